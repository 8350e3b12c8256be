package io.blockraft.target.scsi;

import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * How a command aborts the tasks of other I_T nexuses: SPC-4 5.13.11.2.5 PERSISTENT RESERVE OUT
 * with PREEMPT AND ABORT aborts every task of the preempted I_T nexuses on the logical unit, as
 * if by ABORT TASK SET (SAM-5 7.2) on each of them, except the PERSISTENT RESERVE OUT itself. The
 * SCSI layer knows which nexuses; only the transport knows their tasks (queued in CmdSN order,
 * waiting for Data-Out, executing), so it installs one of these in the {@link ScsiTarget}.
 */
@FunctionalInterface
public interface TaskSetAborter {

  /** Aborts nothing: no transport installed one (the SCSI layer on its own, in tests). */
  TaskSetAborter NONE = (issuingTask, nexuses) -> CompletableFuture.completedFuture(null);

  /**
   * Aborts every task addressed to the LUN of {@code issuingTask} of every I_T nexus of the
   * target that {@code nexuses} accepts, except {@code issuingTask} itself. Tasks of other
   * nexuses end with TASK ABORTED status (SAM-5 TAS=1: aborted by the actions of another I_T
   * nexus); the issuing nexus's end without a response.
   *
   * @param issuingTask the command that aborts (its LUN field names the logical unit)
   * @param nexuses which I_T nexuses lose their tasks
   * @return completes, never exceptionally, once every aborted task has stopped
   */
  CompletableFuture<Void> abortTaskSets(ScsiTask issuingTask, Predicate<ItNexus> nexuses);
}
