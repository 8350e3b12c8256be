package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static io.blockraft.target.scsi.pr.PrCdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.TmfFunction;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

/** SPC-2 RESERVE/RELEASE, following libiscsi's test_reserve6_*.c, and the SPC-4 5.13.3 exceptions. */
class Reserve6Test {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);
  private final PrCdbs pr = new PrCdbs(h);
  private final ItNexus a = h.nexus("iqn.2024-01.test:a");
  private final ItNexus b = h.nexus("iqn.2024-01.test:b");

  private Result modeSense6(ItNexus n) {
    return h.run(n, cdb(0x1A, 0, 0x3f, 0, 255, 0), null, 255);
  }

  @Test
  void reserve6_thenRelease6_isGood() {
    good(pr.reserve6(a));
    good(pr.release6(a));
  }

  @Test
  void twoInitiators_otherGetsConflict_releaseByOtherIsIgnored() {
    good(pr.reserve6(a));
    good(pr.reserve6(a));
    conflict(pr.reserve6(b));
    good(pr.release6(b));
    good(modeSense6(a));
    conflict(modeSense6(b));
    conflict(pr.reserve6(b));
    good(pr.release6(a));
    good(pr.reserve6(b));
    good(pr.release6(b));
  }

  @Test
  void reservedByAnother_readsWritesAndTurConflict_inquiryReportLunsReadCapacityAllowed() {
    good(pr.reserve6(a));
    conflict(pr.read10(b));
    conflict(pr.write10(b));
    conflict(pr.testUnitReady(b));
    good(h.run(b, cdb(0x12, 0, 0, 0, 96, 0), null, 96));
    good(h.run(b, cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), null, 256));
    good(h.run(b, cdb(0x03, 0, 0, 0, 18, 0), null, 18));
    good(h.run(b, cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 8));
    good(pr.read10(a));
    good(pr.write10(a));
    good(pr.testUnitReady(a));
  }

  @Test
  void nexusLoss_releasesReservation() {
    good(pr.reserve6(a));
    conflict(pr.reserve6(b));
    h.target().nexusLost(a);
    good(pr.reserve6(b));
    good(pr.release6(b));
  }

  @Test
  void logicalUnitReset_releasesReservation() {
    good(pr.reserve6(a));
    assertThat(h.target().taskManagement(a, TmfFunction.LOGICAL_UNIT_RESET, Lun.encode(0)).join())
        .isZero();
    ItNexus c = h.nexus("iqn.2024-01.test:c");
    good(pr.reserve6(c));
    good(pr.release6(c));
  }

  @Test
  void targetWarmAndColdReset_releaseReservation() {
    for (TmfFunction fn : new TmfFunction[] {TmfFunction.TARGET_WARM_RESET, TmfFunction.TARGET_COLD_RESET}) {
      good(pr.reserve6(a));
      h.target().taskManagement(a, fn, Lun.encode(0)).join();
      // a target reset raises the reset UA on every nexus, the issuer's included
      h.drainUnitAttentions(a);
      h.drainUnitAttentions(b);
      good(pr.reserve6(b));
      good(pr.release6(b));
    }
  }

  @Test
  void reserve10AndRelease10_behaveLikeTheSixByteForms() {
    good(h.run(a, cdb(0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 0));
    conflict(h.run(b, cdb(0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 0));
    good(h.run(a, cdb(0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 0));
    good(pr.reserve6(b));
  }

  @Test
  void thirdPartyOrExtentOrLongId_isInvalidFieldInCdb() {
    assertThat(h.run(a, cdb(0x16, 0x10, 0, 0, 0, 0), null, 0).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(h.run(a, cdb(0x16, 0x01, 0, 0, 0, 0), null, 0).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(h.run(a, cdb(0x57, 0x02, 0, 0, 0, 0, 0, 0, 8, 0), null, 0)
        .is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(h.lu().reservations().spc2Holder()).isNull();
  }

  @Test
  void persistentReserveCommands_conflictWhileReserved_evenFromTheHolder() {
    good(pr.reserve6(a));
    conflict(pr.readKeys(a));
    conflict(pr.registerAndIgnore(b, 1));
    conflict(pr.registerAndIgnore(a, 1));
    good(pr.release6(a));
    good(pr.registerAndIgnore(a, 1));
  }

  @Test
  void reserve6_withRegistrationsPresent_conflictsForOthers_isNoOpForHolder() {
    good(pr.registerAndIgnore(a, 1));
    conflict(pr.reserve6(b)); // SPC-2 5.5.1: registrations exist
    conflict(pr.reserve6(a)); // registered but no reservation: no exception applies
    good(pr.reserve(a, 1, WE));
    good(pr.reserve6(a)); // SPC-4 5.13.3: holder, GOOD, nothing changes
    assertThat(h.lu().reservations().spc2Holder()).isNull();
    good(pr.release6(a));
    assertThat(pr.readReservation(a).u64(8)).isEqualTo(1);
    conflict(pr.release6(b));
  }

  @Test
  void reserve6_registrantOfAllRegistrantsReservation_isGoodNoOp() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, WE_AR));
    good(pr.reserve6(b));
    good(pr.write10(b));
    assertThat(h.lu().reservations().spc2Holder()).isNull();
  }
}
