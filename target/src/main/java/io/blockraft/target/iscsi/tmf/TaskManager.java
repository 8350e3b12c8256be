package io.blockraft.target.iscsi.tmf;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TmfFunction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * RFC 7143 11.5/11.6 Task Management Functions and SAM-5 7: which tasks each function aborts, and
 * the response code. The transport aborts its tasks (waiting until they have stopped); the SCSI
 * side effects (unit attentions, reservation reset) are {@link ScsiTarget#taskManagement}'s.
 *
 * <ul>
 *   <li>ABORT TASK: the referenced task of the issuing session (11.5.1 rules a/b/c for tasks
 *       that completed or never arrived);
 *   <li>ABORT TASK SET: the issuing session's tasks on the LUN;
 *   <li>CLEAR TASK SET, LOGICAL UNIT RESET: every session's tasks on the LUN;
 *   <li>TARGET WARM RESET: every task of every session on the target; TARGET COLD RESET also
 *       closes every session after the response (11.5.1);
 *   <li>CLEAR ACA: not supported (we do not support NACA=1); TASK REASSIGN: ERL 0, so "task
 *       allegiance reassignment not supported".
 * </ul>
 *
 * Tasks of the issuing session end without a response; tasks of other sessions end with TASK
 * ABORTED status (TAS=1).
 *
 * <p>{@link #abortTaskSets} is the same abort on behalf of a SCSI command, SPC-4 5.12.11.2.6
 * PERSISTENT RESERVE OUT with PREEMPT AND ABORT: ABORT TASK SET on the LUN for every chosen
 * session, with TASK ABORTED status for the others and, on the issuing session, silently and
 * sparing the PERSISTENT RESERVE OUT itself.
 */
public final class TaskManager {
  public static final int FUNCTION_COMPLETE = 0;
  public static final int TASK_DOES_NOT_EXIST = 1;
  public static final int LUN_DOES_NOT_EXIST = 2;
  public static final int REASSIGN_NOT_SUPPORTED = 4;
  public static final int NOT_SUPPORTED = 5;
  public static final int FUNCTION_REJECTED = 255;

  /**
   * The answer to one request.
   *
   * @param response RFC 7143 11.6.1 response code
   * @param closeSessions true after TARGET COLD RESET: close every session of the target once
   *     the response is sent
   */
  public record Outcome(int response, boolean closeSessions) {}

  private TaskManager() {}

  /**
   * Executes one request.
   *
   * @param req the request
   * @param issuer the issuing session
   * @param targetSessions every session of the same target (including the issuer)
   * @param target the SCSI target
   */
  public static CompletableFuture<Outcome> execute(TmfRequest req, TaskHost issuer,
      Collection<? extends TaskHost> targetSessions, ScsiTarget target) {
    TmfFunction fn = TmfFunction.of(req.function());
    if (fn == null || fn == TmfFunction.CLEAR_ACA) {
      return done(NOT_SUPPORTED);
    }
    if (fn == TmfFunction.TASK_REASSIGN) {
      return done(REASSIGN_NOT_SUPPORTED);
    }
    boolean lunScoped = fn != TmfFunction.TARGET_WARM_RESET && fn != TmfFunction.TARGET_COLD_RESET;
    if (lunScoped && (Lun.isWellKnown(req.lun()) || target.lu(Lun.decode(req.lun())) == null)) {
      return done(LUN_DOES_NOT_EXIST);
    }
    CompletableFuture<Integer> aborted;
    switch (fn) {
      case ABORT_TASK:
        aborted = issuer.abortTask(req.lun(), req.referencedTaskTag(), req.refCmdSn(), req.cmdSn());
        break;
      case ABORT_TASK_SET:
        aborted = issuer.abortTasks(req.lun(), false).thenApply(v -> FUNCTION_COMPLETE);
        break;
      case CLEAR_TASK_SET, LOGICAL_UNIT_RESET:
        aborted = abortEverywhere(issuer, targetSessions, req.lun());
        break;
      default: // TARGET_WARM_RESET, TARGET_COLD_RESET
        aborted = abortEverywhere(issuer, targetSessions, null);
        break;
    }
    return aborted.thenCompose(rc -> {
      if (rc != FUNCTION_COMPLETE) {
        return CompletableFuture.completedFuture(new Outcome(rc, false));
      }
      return target.taskManagement(issuer.nexus(), fn, req.lun()).thenApply(scsi ->
          new Outcome(scsi, scsi == FUNCTION_COMPLETE && fn == TmfFunction.TARGET_COLD_RESET));
    });
  }

  private static CompletableFuture<Integer> abortEverywhere(TaskHost issuer,
      Collection<? extends TaskHost> sessions, Long lun) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    all.add(issuer.abortTasks(lun, false));
    for (TaskHost h : sessions) {
      if (h != issuer) {
        all.add(h.abortTasks(lun, true));
      }
    }
    return allStopped(all).thenApply(v -> FUNCTION_COMPLETE);
  }

  /**
   * Aborts the tasks on the LUN of {@code issuingTask} of every session whose I_T nexus
   * {@code nexuses} accepts: other sessions' with TASK ABORTED status, the issuing session's
   * without a response and never {@code issuingTask} itself.
   *
   * @param targetSessions every session of the target
   * @return completes, never exceptionally, once every aborted task has stopped
   */
  public static CompletableFuture<Void> abortTaskSets(ScsiTask issuingTask,
      Predicate<ItNexus> nexuses, Collection<? extends TaskHost> targetSessions) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (TaskHost h : targetSessions) {
      ItNexus n = h.nexus();
      if (n == null || !nexuses.test(n)) {
        continue;
      }
      all.add(n.equals(issuingTask.nexus())
          ? h.abortTasksExcept(issuingTask.lun(), issuingTask.tag())
          : h.abortTasks(issuingTask.lun(), true));
    }
    return allStopped(all);
  }

  /** Completes, never exceptionally, once every abort has finished (failed ones included). */
  private static CompletableFuture<Void> allStopped(List<CompletableFuture<Void>> aborts) {
    return CompletableFuture.allOf(aborts.toArray(new CompletableFuture<?>[0]))
        .handle((v, err) -> null);
  }

  private static CompletableFuture<Outcome> done(int response) {
    return CompletableFuture.completedFuture(new Outcome(response, false));
  }
}
