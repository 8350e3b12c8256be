package io.blockraft.target.iscsi.tmf;

import io.blockraft.target.scsi.ItNexus;
import java.util.concurrent.CompletableFuture;

/**
 * One session's task set as task management sees it (SAM-5 7, RFC 7143 4.2.3). Implemented by
 * the session layer; every method may be called from any thread and does its work on the
 * session's own thread.
 */
public interface TaskHost {

  /** The session's I_T nexus. */
  ItNexus nexus();

  /**
   * Aborts every task of this session addressed to {@code lunField} (all LUNs when null).
   *
   * @param reportTaskAborted true to end each aborted task with TASK ABORTED status (SAM-5 TAS=1,
   *     used for tasks of other I_T nexuses), false to end them without any response (the
   *     issuing nexus, RFC 7143 4.2.3.4)
   * @return completes once every aborted task has stopped (no more data moves for it)
   */
  CompletableFuture<Void> abortTasks(Long lunField, boolean reportTaskAborted);

  /**
   * Aborts, without a response, every task of this session addressed to {@code lunField} but the
   * one tagged {@code keptTaskTag}: the issuing session's side of a command that aborts on its own
   * nexus too (PREEMPT AND ABORT of its own key, SPC-4 5.12.11.2.6).
   *
   * @return completes once every aborted task has stopped
   */
  CompletableFuture<Void> abortTasksExcept(long lunField, int keptTaskTag);

  /**
   * RFC 7143 11.5.1 ABORT TASK of one task of this session.
   *
   * @return completes, once the task has stopped, with 0 (function complete) or 1 (task does
   *     not exist)
   */
  CompletableFuture<Integer> abortTask(long lunField, int referencedTaskTag, int refCmdSn, int tmfCmdSn);

  /** Closes the session (TARGET COLD RESET). */
  void close();
}
