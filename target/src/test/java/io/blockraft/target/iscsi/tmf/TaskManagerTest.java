package io.blockraft.target.iscsi.tmf;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.MemoryReplicatedVolume;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** RFC 7143 11.5.1 function scopes and 11.6.1 response codes, over fake task sets. */
class TaskManagerTest {
  private final ScsiTarget target = new ScsiTarget("iqn.2024-01.io.blockraft:tmf");

  TaskManagerTest() {
    target.map(0, new LogicalUnit(new MemoryReplicatedVolume("v", 512, 64), false));
  }

  /** Records what it was asked to abort; completes at once or when released. */
  private static class FakeHost implements TaskHost {
    final ItNexus nexus;
    final List<String> calls = new ArrayList<>();
    final CompletableFuture<Void> quiesced = new CompletableFuture<>();
    int abortTaskAnswer = TaskManager.FUNCTION_COMPLETE;

    FakeHost(String initiator) {
      nexus = new ItNexus(initiator, new byte[6], "iqn.2024-01.io.blockraft:tmf", 1, 1);
      quiesced.complete(null);
    }

    @Override
    public ItNexus nexus() {
      return nexus;
    }

    @Override
    public CompletableFuture<Void> abortTasks(Long lunField, boolean reportTaskAborted) {
      calls.add("abortTasks lun=" + (lunField == null ? "all" : Lun.decode(lunField)) + " report=" + reportTaskAborted);
      return quiesced;
    }

    @Override
    public CompletableFuture<Void> abortTasksExcept(long lunField, int keptTaskTag) {
      calls.add("abortTasksExcept lun=" + Lun.decode(lunField) + " keep=" + keptTaskTag);
      return quiesced;
    }

    @Override
    public CompletableFuture<Integer> abortTask(long lunField, int tag, int refCmdSn, int tmfCmdSn) {
      calls.add("abortTask " + tag);
      return CompletableFuture.completedFuture(abortTaskAnswer);
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  private static TmfRequest req(int fn, long lun) {
    return new TmfRequest(fn, lun, 1, 7, 10, 9, true);
  }

  @Test
  void abortTask_isAskedOfTheIssuerOnly_andItsAnswerIsReturned() {
    FakeHost me = new FakeHost("a");
    FakeHost other = new FakeHost("b");
    me.abortTaskAnswer = TaskManager.TASK_DOES_NOT_EXIST;
    TaskManager.Outcome o = TaskManager.execute(req(1, Lun.encode(0)), me, List.of(me, other), target).join();
    assertThat(o.response()).isEqualTo(TaskManager.TASK_DOES_NOT_EXIST);
    assertThat(me.calls).containsExactly("abortTask 7");
    assertThat(other.calls).isEmpty();
  }

  @Test
  void abortTaskSet_abortsTheIssuersTasksOnTheLunWithoutResponses() {
    FakeHost me = new FakeHost("a");
    FakeHost other = new FakeHost("b");
    TaskManager.Outcome o = TaskManager.execute(req(2, Lun.encode(0)), me, List.of(me, other), target).join();
    assertThat(o.response()).isZero();
    assertThat(me.calls).containsExactly("abortTasks lun=0 report=false");
    assertThat(other.calls).isEmpty();
  }

  @Test
  void lunReset_abortsEverySession_othersWithTaskAborted_andWaitsForThem() {
    FakeHost me = new FakeHost("a");
    FakeHost other = new FakeHost("b");
    CompletableFuture<Void> slow = new CompletableFuture<>();
    FakeHost busy = slowHost("c", slow);
    CompletableFuture<TaskManager.Outcome> f =
        TaskManager.execute(req(5, Lun.encode(0)), me, List.of(me, other, busy), target);
    assertThat(f).isNotDone();
    slow.complete(null);
    assertThat(f.join().response()).isZero();
    assertThat(me.calls).containsExactly("abortTasks lun=0 report=false");
    assertThat(other.calls).containsExactly("abortTasks lun=0 report=true");
  }

  @Test
  void targetColdReset_abortsAllLunsAndAsksToCloseSessions() {
    FakeHost me = new FakeHost("a");
    TaskManager.Outcome o = TaskManager.execute(req(7, 0), me, List.of(me), target).join();
    assertThat(o.response()).isZero();
    assertThat(o.closeSessions()).isTrue();
    assertThat(me.calls).containsExactly("abortTasks lun=all report=false");
    TaskManager.Outcome warm = TaskManager.execute(req(6, 0), me, List.of(me), target).join();
    assertThat(warm.closeSessions()).isFalse();
  }

  /** A session whose aborts finish only when {@code slow} completes. */
  private static FakeHost slowHost(String id, CompletableFuture<Void> slow) {
    return new FakeHost(id) {
      @Override
      public CompletableFuture<Void> abortTasks(Long lunField, boolean reportTaskAborted) {
        super.abortTasks(lunField, reportTaskAborted);
        return slow;
      }
    };
  }

  private static ScsiTask prOut(FakeHost issuer, long lun) {
    return new ScsiTask(issuer.nexus(), lun, new byte[16], 24, false, true, TaskAttribute.SIMPLE, 99);
  }

  @Test
  void preemptAndAbort_abortsTheChosenSessionsOnTheLunWithTaskAborted_andWaitsForThem() {
    FakeHost me = new FakeHost("a");
    FakeHost preempted = new FakeHost("b");
    FakeHost bystander = new FakeHost("c");
    CompletableFuture<Void> slow = new CompletableFuture<>();
    FakeHost busy = slowHost("d", slow);
    Set<ItNexus> chosen = Set.of(preempted.nexus(), busy.nexus());
    CompletableFuture<Void> f = TaskManager.abortTaskSets(prOut(me, Lun.encode(2)), chosen::contains,
        List.of(me, preempted, bystander, busy));
    assertThat(f).isNotDone();
    slow.complete(null);
    assertThat(f).isCompleted();
    assertThat(preempted.calls).containsExactly("abortTasks lun=2 report=true");
    assertThat(busy.calls).containsExactly("abortTasks lun=2 report=true");
    assertThat(bystander.calls).isEmpty();
    assertThat(me.calls).isEmpty();
  }

  @Test
  void preemptAndAbort_onTheIssuingSession_abortsSilently_andSparesThePrOut() {
    FakeHost me = new FakeHost("a");
    FakeHost other = new FakeHost("b");
    CompletableFuture<Void> f = TaskManager.abortTaskSets(prOut(me, Lun.encode(0)), n -> true,
        List.of(me, other));
    assertThat(f).isCompleted();
    assertThat(me.calls).containsExactly("abortTasksExcept lun=0 keep=99");
    assertThat(other.calls).containsExactly("abortTasks lun=0 report=true");
  }

  @Test
  void preemptAndAbort_nothingChosen_completesAtOnce_andAFailedAbortStillCompletes() {
    FakeHost me = new FakeHost("a");
    FakeHost broken = new FakeHost("b") {
      @Override
      public CompletableFuture<Void> abortTasks(Long lunField, boolean reportTaskAborted) {
        return CompletableFuture.failedFuture(new IllegalStateException("connection gone"));
      }
    };
    assertThat(TaskManager.abortTaskSets(prOut(me, Lun.encode(0)), n -> false, List.of(me, broken)))
        .isCompleted();
    assertThat(TaskManager.abortTaskSets(prOut(me, Lun.encode(0)), n -> true, List.of(me, broken)))
        .isCompleted().isNotCompletedExceptionally();
  }

  @Test
  void unknownLun_clearAca_taskReassign_andUnknownFunctions_haveTheirCodes() {
    FakeHost me = new FakeHost("a");
    assertThat(TaskManager.execute(req(5, Lun.encode(3)), me, List.of(me), target).join().response())
        .isEqualTo(TaskManager.LUN_DOES_NOT_EXIST);
    assertThat(TaskManager.execute(req(3, Lun.encode(0)), me, List.of(me), target).join().response())
        .isEqualTo(TaskManager.NOT_SUPPORTED);
    assertThat(TaskManager.execute(req(8, Lun.encode(0)), me, List.of(me), target).join().response())
        .isEqualTo(TaskManager.REASSIGN_NOT_SUPPORTED);
    assertThat(TaskManager.execute(req(20, Lun.encode(0)), me, List.of(me), target).join().response())
        .isEqualTo(TaskManager.NOT_SUPPORTED);
    assertThat(me.calls).isEmpty();
  }
}
