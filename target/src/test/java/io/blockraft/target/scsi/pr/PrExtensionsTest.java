package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrCdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.sense.SenseReason;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** APTPL (SPC-4 5.13.5), SPEC_I_PT and ALL_TG_PT (5.13.7), REGISTER AND MOVE (5.13.8), concurrency. */
class PrExtensionsTest {
  private static final int APTPL = 0x01;
  private static final int ALL_TG_PT = 0x04;
  private static final int SPEC_I_PT = 0x08;

  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);
  private final PrCdbs pr = new PrCdbs(h);
  private final ItNexus a = h.nexus("iqn.2024-01.test:a");
  private final ItNexus b = h.nexus("iqn.2024-01.test:b");

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  // ---- APTPL

  /** A single node's restart: a new LU over the same volume, then its power on (SPC-4 5.13.5). */
  private LogicalUnit restartSingleNode() {
    LogicalUnit restarted = new LogicalUnit(h.volume(), false);
    restarted.reservations().powerOnWithoutAptpl().join();
    return restarted;
  }

  @Test
  void aptpl_registrationsAndReservationSurviveASingleNodePowerOn() {
    good(pr.prout(a, 6, 0, 0, 0xAA, APTPL));
    good(pr.prout(b, 6, 0, 0, 0xBB, APTPL)); // the last APTPL bit received applies to the LU
    good(pr.reserve(a, 0xAA, EA_RO));
    PrState before = h.lu().reservations().state();

    Reservations reloaded = restartSingleNode().reservations();
    PrState s = reloaded.state();
    assertThat(s).isEqualTo(before);
    assertThat(s.aptpl()).isTrue();
    assertThat(s.registrations()).hasSize(2);
    assertThat(s.reservation().type()).isEqualTo(PrType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY);
    assertThat(s.isHolder(a)).isTrue();
    assertThat(reloaded.conflicts(h.nexus("iqn.2024-01.test:c"),
        io.blockraft.target.scsi.dispatch.ConflictClass.READ, new byte[16])).isTrue();
  }

  @Test
  void withoutAptpl_stateIsReplicatedAnyway_butASingleNodePowerOnClearsIt() {
    good(pr.registerAndIgnore(a, 0xAA));
    assertThat(h.volume().getMeta(PrTransform.KEY)).isNotNull();
    // a cluster node's restart is no power loss of the LU: the state is simply there
    assertThat(new LogicalUnit(h.volume(), false).reservations().state().registrations()).hasSize(1);

    assertThat(restartSingleNode().reservations().state()).isEqualTo(PrState.EMPTY);
    assertThat(h.volume().getMeta(PrTransform.KEY)).isNull();
  }

  @Test
  void aptplSetThenCleared_powerOnClears() {
    good(pr.registerAndIgnore(a, 0xAA));
    good(pr.prout(a, 0, 0, 0xAA, 0xAB, APTPL));
    assertThat(h.lu().reservations().state().aptpl()).isTrue();
    good(pr.prout(a, 0, 0, 0xAB, 0xAC, 0));
    assertThat(restartSingleNode().reservations().state().registrations()).isEmpty();
  }

  @Test
  void reportCapabilities_ptplA_followsLastAptpl() {
    good(pr.prout(a, 6, 0, 0, 0xAA, APTPL));
    assertThat(h.run(a, prin(2, 8), null, 8).u8(3) & 0x01).isEqualTo(1);
  }

  @Test
  void aptplRecord_isLoadedByALogicalUnitOverTheSameVolume() {
    good(pr.prout(a, 6, 0, 0, 0x42, APTPL));
    LogicalUnit again = new LogicalUnit(h.volume(), false);
    assertThat(again.reservations().state().registrations()).hasSize(1);
    assertThat(again.reservations().state().find(a).key()).isEqualTo(0x42);
  }

  // ---- ALL_TG_PT

  @Test
  void allTgPt_registrationAppliesThroughEveryTargetPort() {
    good(pr.prout(a, 6, 0, 0, 0xAA, ALL_TG_PT));
    ItNexus aOtherPort = new ItNexus(a.initiatorName(), a.isid(), ScsiHarness.TARGET_NAME, 2, 2);
    h.drainUnitAttentions(aOtherPort);
    good(pr.reserve(aOtherPort, 0xAA, WE));
    good(pr.write10(a));
    good(pr.write10(aOtherPort));
    conflict(pr.write10(b));
    Result full = h.run(a, prin(3, 4096), null, 4096);
    assertThat(full.u8(8 + 12)).isEqualTo(0x03); // ALL_TG_PT + R_HOLDER
  }

  @Test
  void withoutAllTgPt_otherTargetPortIsNotRegistered() {
    good(pr.registerAndIgnore(a, 0xAA));
    ItNexus aOtherPort = new ItNexus(a.initiatorName(), a.isid(), ScsiHarness.TARGET_NAME, 2, 2);
    h.drainUnitAttentions(aOtherPort);
    conflict(pr.reserve(aOtherPort, 0xAA, WE));
  }

  // ---- SPEC_I_PT

  private byte[] specIpt(long key, long sark, int flags, byte[]... ids) {
    byte[] tids = concat(ids);
    byte[] len = new byte[4];
    Cdb.put32(len, 0, tids.length);
    return concat(basic(key, sark, flags | SPEC_I_PT), len, tids);
  }

  @Test
  void specIpt_registersTheListedInitiatorPorts() {
    byte[] p = specIpt(0, 0x77, 0, transportId(b.initiatorName(), "400001370000"));
    good(h.run(a, prout(0, 0, p.length), p, p.length));
    Result keys = pr.readKeys(a);
    assertThat(keys.u32(4)).isEqualTo(16);
    good(pr.reserve(b, 0x77, EA));
  }

  @Test
  void specIpt_nameOnlyTransportId_coversEveryIsidOfTheName() {
    byte[] p = specIpt(0, 0x77, 0, transportId(b.initiatorName(), null));
    good(h.run(a, prout(0, 0, p.length), p, p.length));
    ItNexus bOtherIsid = h.nexus(b.initiatorName());
    ItNexus bIsid2 = new ItNexus(b.initiatorName(), new byte[] {1, 2, 3, 4, 5, 6},
        ScsiHarness.TARGET_NAME, ScsiHarness.TPG, ScsiHarness.REL_PORT);
    h.drainUnitAttentions(bIsid2);
    good(pr.reserve(bIsid2, 0x77, WE));
    good(pr.write10(bOtherIsid));
  }

  @Test
  void specIpt_onOtherServiceActions_isInvalidFieldInParameterList() {
    good(pr.registerAndIgnore(a, 1));
    byte[] p = specIpt(1, 0, 0, transportId(b.initiatorName(), null));
    Result r = h.run(a, prout(1, WE, p.length), p, p.length);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
  }

  @Test
  void specIpt_fromRegisteredNexus_isInvalidFieldInCdb() {
    good(pr.registerAndIgnore(a, 1));
    byte[] p = specIpt(1, 2, 0, transportId(b.initiatorName(), null));
    assertThat(h.run(a, prout(0, 0, p.length), p, p.length).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void specIpt_nonIscsiTransportId_isInvalidFieldInParameterList() {
    byte[] fc = new byte[24];
    fc[0] = 0x00; // Fibre Channel
    byte[] p = specIpt(0, 2, 0, fc);
    Result r = h.run(a, prout(0, 0, p.length), p, p.length);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    assertThat(pr.readKeys(a).u32(4)).isZero();
  }

  @Test
  void specIpt_transportIdLengthBeyondParameterList_isParameterListLengthError() {
    byte[] p = specIpt(0, 2, 0, transportId(b.initiatorName(), null));
    Cdb.put32(p, 24, 4096);
    Result r = h.run(a, prout(0, 0, p.length), p, p.length);
    assertThat(r.is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).isTrue();
  }

  @Test
  void specIpt_alreadyRegisteredPort_failsWithoutRegisteringAnything() {
    good(pr.registerAndIgnore(b, 5));
    ItNexus c = h.nexus("iqn.2024-01.test:c");
    byte[] p = specIpt(0, 2, 0, transportId(c.initiatorName(), null), transportId(b.initiatorName(), null));
    Result r = h.run(a, prout(0, 0, p.length), p, p.length);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    assertThat(pr.readKeys(a).u32(4)).isEqualTo(8);
  }

  // ---- REGISTER AND MOVE

  private Result registerAndMove(ItNexus from, long key, long sark, boolean unreg, int rtpi, byte[] tid) {
    byte[] p = new byte[24 + tid.length];
    Cdb.put64(p, 0, key);
    Cdb.put64(p, 8, sark);
    p[17] = (byte) (unreg ? 0x02 : 0);
    Cdb.put16(p, 18, rtpi);
    Cdb.put32(p, 20, tid.length);
    System.arraycopy(tid, 0, p, 24, tid.length);
    return h.run(from, prout(7, 0, p.length), p, p.length);
  }

  @Test
  void registerAndMove_movesReservationAndRegistersDestination() {
    good(pr.registerAndIgnore(a, 0xA));
    good(pr.reserve(a, 0xA, EA));
    good(registerAndMove(a, 0xA, 0xB, false, ScsiHarness.REL_PORT,
        transportId(b.initiatorName(), "400001370000")));
    Result rr = pr.readReservation(a);
    assertThat(rr.u64(8)).isEqualTo(0xB);
    assertThat(rr.u8(21)).isEqualTo(EA);
    good(pr.read10(b));
    conflict(pr.read10(a));
    assertThat(pr.readKeys(a).u32(4)).isEqualTo(16);
  }

  @Test
  void registerAndMove_withUnreg_unregistersTheSource() {
    good(pr.registerAndIgnore(a, 0xA));
    good(pr.reserve(a, 0xA, WE));
    good(registerAndMove(a, 0xA, 0xB, true, ScsiHarness.REL_PORT, transportId(b.initiatorName(), null)));
    Result keys = pr.readKeys(a);
    assertThat(keys.u32(4)).isEqualTo(8);
    assertThat(keys.u64(8)).isEqualTo(0xB);
  }

  @Test
  void registerAndMove_notHolder_isConflict_toItself_isInvalidParameter() {
    good(pr.registerAndIgnore(a, 0xA));
    conflict(registerAndMove(a, 0xA, 0xB, false, 1, transportId(b.initiatorName(), null)));
    good(pr.reserve(a, 0xA, WE));
    Result self = registerAndMove(a, 0xA, 0xB, false, 1, transportId(a.initiatorName(), "400001370000"));
    assertThat(self.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    good(pr.reserve(a, 0xA, WE)); // unchanged
  }

  // ---- concurrency

  @Test
  void concurrentRegistrations_fromManyNexuses_allLandAndGenerationCountsThem() throws Exception {
    int n = 32;
    List<ItNexus> nexuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nexuses.add(h.nexus("iqn.2024-01.test:many" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Result>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ItNexus x = nexuses.get(i);
        long key = 1000 + i;
        results.add(pool.submit(() -> pr.registerAndIgnore(x, key)));
      }
      for (Future<Result> f : results) {
        good(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    Result keys = pr.readKeys(a);
    assertThat(keys.u32(4)).isEqualTo(8L * n);
    assertThat(keys.u32(0)).isEqualTo(n);
  }

  @Test
  void concurrentReserves_exactlyOneNexusWins() throws Exception {
    int n = 16;
    List<ItNexus> nexuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ItNexus x = h.nexus("iqn.2024-01.test:racer" + i);
      nexuses.add(x);
      good(pr.registerAndIgnore(x, 100 + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Result>> results = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ItNexus x = nexuses.get(i);
        long key = 100 + i;
        results.add(pool.submit(() -> pr.reserve(x, key, EA)));
      }
      int winners = 0;
      for (Future<Result> f : results) {
        Result r = f.get();
        if (r.good()) {
          winners++;
        } else {
          conflict(r);
        }
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    long holderKey = pr.readReservation(a).u64(8);
    ItNexus holder = nexuses.get((int) holderKey - 100);
    good(pr.read10(holder));
    conflict(pr.read10(nexuses.get(((int) holderKey - 100 + 1) % n)));
  }

  @Test
  void unitAttention_reachesAllTgPtRegistrantThroughEveryPortItUsed() {
    good(pr.prout(b, 6, 0, 0, 0xBB, ALL_TG_PT));
    ItNexus bOtherPort = new ItNexus(b.initiatorName(), b.isid(), ScsiHarness.TARGET_NAME, 2, 2);
    h.drainUnitAttentions(bOtherPort);
    good(pr.write10(bOtherPort)); // the LU has seen b through port 2 as well
    good(pr.registerAndIgnore(a, 0xAA));
    good(pr.preempt(a, 0xAA, 0xBB, WE));
    assertThat(pr.testUnitReady(b).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    assertThat(pr.testUnitReady(bOtherPort).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
  }
}
