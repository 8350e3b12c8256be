package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrCdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.MemoryReplicatedVolume;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.SharedMetaLog;
import io.blockraft.target.scsi.TaskSetAborter;
import io.blockraft.target.scsi.TmfFunction;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Two nodes serving one volume (ARCHITECTURE.md: target port group = relative port = node id), as
 * two LUs over two replicas whose metadata transforms share one log ({@link SharedMetaLog}):
 * reservations made through one node hold on the other, unit attentions reach the other node's
 * I_T nexuses, and PREEMPT AND ABORT through one node aborts the other node's tasks.
 */
class ReservationsReplicationTest {
  private static final int NODE_A = 1;
  private static final int NODE_B = 2;
  private final MemoryReplicatedVolume replicaA = new MemoryReplicatedVolume("vol0", 512, 2048);
  private final MemoryReplicatedVolume replicaB = new MemoryReplicatedVolume("vol0", 512, 2048);
  private final SharedMetaLog log = new SharedMetaLog(replicaA, replicaB);
  private final ScsiHarness nodeA = ScsiHarness.create(replicaA, NODE_A);
  private final ScsiHarness nodeB = ScsiHarness.create(replicaB, NODE_B);
  private final PrCdbs prA = new PrCdbs(nodeA);
  private final PrCdbs prB = new PrCdbs(nodeB);
  private final ItNexus a = nodeA.nexus("iqn.2024-01.test:a");
  private final ItNexus b = nodeB.nexus("iqn.2024-01.test:b");
  private final ItNexus c = nodeB.nexus("iqn.2024-01.test:c");

  private void assertSameStateOnBothNodes() {
    assertThat(replicaB.getMeta(PrTransform.KEY)).isEqualTo(replicaA.getMeta(PrTransform.KEY));
    assertThat(nodeB.lu().reservations().state()).isEqualTo(nodeA.lu().reservations().state());
    assertThat(nodeB.lu().reservations().spc2Holder())
        .isEqualTo(nodeA.lu().reservations().spc2Holder());
  }

  /** Records each abort; completes it at once (the tasks stopped). */
  private static final class RecordingAborter implements TaskSetAborter {
    record Call(ScsiTask issuingTask, Predicate<ItNexus> nexuses) {}

    final List<Call> calls = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<Void> abortTaskSets(ScsiTask issuingTask,
        Predicate<ItNexus> nexuses) {
      calls.add(new Call(issuingTask, nexuses));
      return CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void registrationAndReservationThroughA_conflictForAnotherInitiatorOnB() {
    int entries = log.length();
    good(prA.registerAndIgnore(a, 0xA));
    good(prA.reserve(a, 0xA, WE));
    assertThat(log.length()).as("one log entry per PERSISTENT RESERVE OUT").isEqualTo(entries + 2);

    conflict(prB.write10(c));
    good(prB.read10(c)); // Write Exclusive: reads are allowed
    assertThat(prB.readReservation(c).u64(8)).isEqualTo(0xA);
    assertSameStateOnBothNodes();

    // the same initiator port through node B is another I_T nexus, not registered (no ALL_TG_PT)
    ItNexus aThroughB = nodeB.nexus(a.initiatorName());
    conflict(prB.write10(aThroughB));
    conflict(prB.reserve(aThroughB, 0xA, WE));
    good(prA.write10(a));
  }

  @Test
  void unitAttentions_ofAChangeThroughA_appearOnBsNexuses_notOnTheIssuer() {
    good(prB.registerAndIgnore(b, 0xB));
    good(prB.registerAndIgnore(c, 0xC));
    good(prA.registerAndIgnore(a, 0xA));
    good(prA.reserve(a, 0xA, WE_RO));
    good(prA.release(a, 0xA, WE_RO));
    assertThat(prB.testUnitReady(b).is(SenseReason.RESERVATIONS_RELEASED)).isTrue();
    assertThat(prB.testUnitReady(c).is(SenseReason.RESERVATIONS_RELEASED)).isTrue();
    good(prA.testUnitReady(a));

    good(prB.reserve(b, 0xB, WE));
    good(prA.preempt(a, 0xA, 0xB, WE));
    assertThat(prB.testUnitReady(b).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    good(prB.testUnitReady(c));
    good(prA.testUnitReady(a));
    assertThat(prB.readReservation(c).u64(8)).isEqualTo(0xA);
    assertSameStateOnBothNodes();
  }

  @Test
  void preemptAndAbortThroughA_abortsTheTasksOfThePreemptedNexusesOnB() {
    RecordingAborter abortsOnA = new RecordingAborter();
    RecordingAborter abortsOnB = new RecordingAborter();
    nodeA.target().setTaskSetAborter(abortsOnA);
    nodeB.target().setTaskSetAborter(abortsOnB);
    good(prB.registerAndIgnore(b, 0xB));
    good(prB.registerAndIgnore(c, 0xC));
    good(prA.registerAndIgnore(a, 0xA));
    good(prB.reserve(b, 0xB, WE));

    good(prA.prout(a, PrOutRequest.PREEMPT_AND_ABORT, EA, 0xA, 0xB, 0));

    // node A: the PERSISTENT RESERVE OUT's own abort on its target, sparing itself
    assertThat(abortsOnA.calls).hasSize(1);
    assertThat(abortsOnA.calls.get(0).issuingTask().nexus()).isEqualTo(a);
    // node B: its own nexuses' tasks, on its own target and LUN, nothing of it spared
    assertThat(abortsOnB.calls).hasSize(1);
    RecordingAborter.Call onB = abortsOnB.calls.get(0);
    assertThat(List.of(b, c, nodeB.nexus(a.initiatorName()))).filteredOn(onB.nexuses())
        .containsExactly(b);
    assertThat(onB.issuingTask().lun()).isEqualTo(Lun.encode(0));
    assertThat(onB.issuingTask().nexus().targetName()).isEqualTo(ScsiHarness.TARGET_NAME);
    assertThat(List.of(b, c)).doesNotContain(onB.issuingTask().nexus());

    assertThat(prB.testUnitReady(b).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    // the type changed (WE to EA): the registrants left hear RESERVATIONS RELEASED
    assertThat(prB.testUnitReady(c).is(SenseReason.RESERVATIONS_RELEASED)).isTrue();
    conflict(prB.read10(c)); // Exclusive Access held by a
    assertSameStateOnBothNodes();
  }

  @Test
  void preemptThroughA_withoutAbort_abortsNothingAnywhere() {
    RecordingAborter abortsOnB = new RecordingAborter();
    nodeB.target().setTaskSetAborter(abortsOnB);
    good(prB.registerAndIgnore(b, 0xB));
    good(prA.registerAndIgnore(a, 0xA));
    good(prA.preempt(a, 0xA, 0xB, WE));
    assertThat(abortsOnB.calls).isEmpty();
  }

  @Test
  void spc2ReservationThroughA_holdsOnB_andGoesWithItsNexusOrAReset() {
    good(prA.reserve6(a));
    conflict(prB.read10(c));
    conflict(prB.reserve6(c));
    conflict(prB.readKeys(c)); // SPC-2 5.5.1
    assertSameStateOnBothNodes();

    nodeA.target().nexusLost(a);
    assertThat(nodeB.lu().reservations().spc2Holder()).isNull();
    good(prB.reserve6(c));
    conflict(prA.read10(a));

    // a LOGICAL UNIT RESET through A releases B's nexus's SPC-2 reservation too
    assertThat(nodeA.target().taskManagement(a, TmfFunction.LOGICAL_UNIT_RESET, Lun.encode(0))
        .join())
        .isZero();
    assertThat(nodeB.lu().reservations().spc2Holder()).isNull();
    good(prA.reserve6(a));
    good(prA.release6(a));
    assertSameStateOnBothNodes();
  }

  @Test
  void nexusLoss_ofANexusWithoutSpc2Reservation_writesNothingToTheLog() {
    good(prA.registerAndIgnore(a, 0xA));
    int entries = log.length();
    nodeA.target().nexusLost(a);
    assertThat(log.length()).isEqualTo(entries);
    assertThat(nodeB.lu().reservations().state().registrations()).hasSize(1); // PRs stay
  }

  /** SAM-5 6.3.3 across nodes: the reset's unit attention reaches every node's nexuses, once. */
  @Test
  void logicalUnitResetThroughA_unitAttentionOnEveryNexusOfB_andOnAsOthers_notOnTheIssuer() {
    ItNexus a2 = nodeA.nexus("iqn.2024-01.test:a2");
    good(prB.testUnitReady(b));
    good(prB.testUnitReady(c));
    nodeB.lu().setRemovalPrevented(true);
    int entries = log.length();

    assertThat(nodeA.target().taskManagement(a, TmfFunction.LOGICAL_UNIT_RESET, Lun.encode(0))
        .join())
        .isZero();

    assertThat(log.length()).as("the reset travels as one entry").isEqualTo(entries + 1);
    assertThat(prB.testUnitReady(b).is(SenseReason.BUS_DEVICE_RESET)).isTrue();
    assertThat(prB.testUnitReady(c).is(SenseReason.BUS_DEVICE_RESET)).isTrue();
    assertThat(prA.testUnitReady(a2).is(SenseReason.BUS_DEVICE_RESET)).isTrue();
    good(prA.testUnitReady(a));
    // each once: the issuing node applied it at once and does not again when the entry comes back
    good(prA.testUnitReady(a2));
    good(prB.testUnitReady(b));
    assertThat(nodeB.lu().removalPrevented()).as("PREVENT cleared on B too").isFalse();
  }

  @Test
  void targetResetThroughA_powerOnResetOnEveryNexus_theIssuerIncluded_once() {
    good(prB.testUnitReady(b));
    assertThat(nodeA.target().taskManagement(a, TmfFunction.TARGET_WARM_RESET, Lun.encode(0))
        .join())
        .isZero();
    assertThat(prB.testUnitReady(b).is(SenseReason.POWER_ON_RESET)).isTrue();
    assertThat(prB.testUnitReady(c).is(SenseReason.POWER_ON_RESET)).isTrue();
    assertThat(prA.testUnitReady(a).is(SenseReason.POWER_ON_RESET)).isTrue();
    good(prA.testUnitReady(a));
    good(prB.testUnitReady(b));
  }

  /**
   * An SPC-2 reservation held through node B, which then stops answering: the leader (node A
   * here) hears that node B is unresponsive and releases it, as on nexus loss; a report about
   * another node, or a repeated one, changes nothing more.
   */
  @Test
  void spc2HolderOnAnUnresponsiveNode_isReleased() {
    good(prB.reserve6(b));
    conflict(prA.write10(a));
    replicaA.reportUnresponsive(NODE_A); // not the holder's node
    assertThat(nodeA.lu().reservations().spc2Holder()).isEqualTo(b);
    replicaA.reportUnresponsive(NODE_B);
    replicaA.reportUnresponsive(NODE_B);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> nodeA.lu().reservations().spc2Holder() == null);
    assertSameStateOnBothNodes();
    good(prA.write10(a));
  }

  /**
   * Node B restarts (a new LU over its replica, no nexus logged in yet) after a crash lost the
   * nexus that held the SPC-2 reservation: once caught up it releases it. A nexus that logged in
   * again keeps it.
   */
  @Test
  void spc2HolderLostWhenItsNodeCrashed_isReleasedWhenTheNodeStarts() throws Exception {
    good(prB.reserve6(b));
    ScsiHarness stillKnown = nodeB; // b is known here: nodeStarted leaves it alone
    stillKnown.lu().reservations().nodeStarted(NODE_B).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(nodeA.lu().reservations().spc2Holder()).isEqualTo(b);

    ScsiHarness restarted = ScsiHarness.create(replicaB, NODE_B);
    restarted.lu().reservations().nodeStarted(NODE_A).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(nodeA.lu().reservations().spc2Holder()).as("another node's start").isEqualTo(b);
    restarted.lu().reservations().nodeStarted(NODE_B).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(nodeA.lu().reservations().spc2Holder()).isNull();
    assertThat(restarted.lu().reservations().spc2Holder()).isNull();
    good(prA.write10(a));
  }
}
