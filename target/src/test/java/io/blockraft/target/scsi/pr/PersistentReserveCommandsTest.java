package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrCdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SPC-4 6.15 / 6.16 through the dispatcher, following libiscsi's test_prin_* and test_prout_*. */
class PersistentReserveCommandsTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);
  private final PrCdbs pr = new PrCdbs(h);
  private final ItNexus a = h.nexus("iqn.2024-01.test:a");
  private final ItNexus b = h.nexus("iqn.2024-01.test:b");

  private ScsiHarness.Result tur(ItNexus n) {
    return pr.testUnitReady(n);
  }

  // ---- PR IN

  @Test
  void readKeys_noRegistrations_isEightBytesWithZeroAdditionalLength() {
    Result r = pr.readKeys(a);
    good(r);
    assertThat(r.data()).hasSize(8);
    assertThat(r.u32(4)).isZero();
  }

  @Test
  void readKeys_afterRegisterAndIgnore_listsKeyAndAdditionalLengthMatches() {
    long gen = pr.readKeys(a).u32(0);
    good(pr.registerAndIgnore(a, 0x1234));
    Result r = pr.readKeys(a);
    assertThat(r.u32(4)).isEqualTo(r.data().length - 8);
    assertThat(r.u64(8)).isEqualTo(0x1234);
    assertThat(r.u32(0)).isEqualTo(gen + 1);
  }

  @Test
  void readKeys_allocationLength8_truncatesKeysButKeepsAdditionalLength() {
    good(pr.registerAndIgnore(a, 0x77));
    Result r = h.run(a, prin(0, 8), null, 8);
    good(r);
    assertThat(r.data()).hasSize(8);
    assertThat(r.u32(4)).isEqualTo(8);
  }

  @Test
  void prin_serviceActions0To3_areGood_4To1F_areInvalidFieldInCdb() {
    for (int sa = 0; sa < 4; sa++) {
      good(h.run(a, prin(sa, 16384), null, 16384));
    }
    for (int sa = 4; sa < 0x20; sa++) {
      Result r = h.run(a, prin(sa, 16384), null, 16384);
      assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).as("SA %x", sa).isTrue();
    }
  }

  @Test
  void prout_unsupportedServiceAction_isInvalidFieldInCdb() {
    byte[] p = basic(0, 0, 0);
    Result r = h.run(a, prout(8, 0, 24), p, 24);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void reportCapabilities_reportsEveryTypeAndSupportedBits() {
    Result r = h.run(a, prin(2, 16384), null, 16384);
    good(r);
    assertThat(r.u16(0)).isEqualTo(8);
    assertThat(r.u8(2)).isEqualTo(0x10 | 0x08 | 0x04 | 0x01); // CRH SIP_C ATP_C PTPL_C
    assertThat(r.u8(3) & 0x80).isEqualTo(0x80); // TMV
    assertThat((r.u8(3) >> 4) & 7).isLessThanOrEqualTo(5);
    assertThat(r.u16(4)).isEqualTo(0x8000 | 0x4000 | 0x2000 | 0x0800 | 0x0200 | 0x0001);
  }

  @Test
  void readFullStatus_describesRegistrationsWithTransportIdAndHolder() {
    good(pr.registerAndIgnore(a, 0xA));
    good(pr.registerAndIgnore(b, 0xB));
    good(pr.reserve(a, 0xA, WE));
    Result r = h.run(a, prin(3, 16384), null, 16384);
    good(r);
    assertThat(r.u32(4)).isEqualTo(r.data().length - 8);
    assertThat(r.u64(8)).isEqualTo(0xA);
    assertThat(r.u8(8 + 12)).isEqualTo(0x01); // R_HOLDER
    assertThat(r.u8(8 + 13)).isEqualTo(WE);
    assertThat(r.u16(8 + 18)).isEqualTo(ScsiHarness.REL_PORT);
    int tidLen = (int) r.u32(8 + 20);
    assertThat(r.u8(8 + 24)).isEqualTo(0x45); // format 01b, iSCSI
    assertThat(r.ascii(8 + 28, tidLen - 4)).startsWith("iqn.2024-01.test:a,i,0x400001370000");
    int second = 8 + 24 + tidLen;
    assertThat(r.u64(second)).isEqualTo(0xB);
    assertThat(r.u8(second + 12)).isZero();
  }

  // ---- REGISTER

  @Test
  void register_reregisterWithoutCurrentKey_isReservationConflict() {
    good(pr.registerAndIgnore(a, 0x10));
    conflict(pr.register(a, 0, 0x11));
    good(pr.register(a, 0x10, 0));
    assertThat(pr.readKeys(a).u32(4)).isZero();
  }

  @Test
  void register_unregisteredWithNonZeroReservationKey_isReservationConflict() {
    conflict(pr.register(a, 5, 6));
  }

  @Test
  void register_unregisteredWithZeroKeys_isGoodAndLeavesGenerationAlone() {
    long gen = pr.readKeys(a).u32(0);
    good(pr.register(a, 0, 0));
    assertThat(pr.readKeys(a).u32(0)).isEqualTo(gen);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 23, 25, 28})
  void prout_parameterListLengthNot24_isParameterListLengthError(int len) {
    byte[] p = new byte[Math.max(len, 1)];
    Result r = h.run(a, prout(6, 0, len), len == 0 ? null : p, len);
    assertThat(r.is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).as(r.toString()).isTrue();
  }

  // ---- RESERVE / RELEASE

  @ParameterizedTest
  @ValueSource(ints = {WE, EA, WE_RO, EA_RO, WE_AR, EA_AR})
  void reserve_eachType_isReportedByReadReservationAndReleases(int type) {
    good(pr.registerAndIgnore(a, 0x55));
    long gen = pr.readKeys(a).u32(0);
    good(pr.reserve(a, 0x55, type));
    Result rr = pr.readReservation(a);
    assertThat(rr.u32(4)).isEqualTo(16);
    assertThat(rr.u64(8)).isEqualTo(type == WE_AR || type == EA_AR ? 0 : 0x55);
    assertThat(rr.u8(21)).isEqualTo(type);
    assertThat(rr.u32(0)).isEqualTo(gen); // RESERVE does not bump PRGENERATION
    good(pr.release(a, 0x55, type));
    assertThat(pr.readReservation(a).u32(4)).isZero();
  }

  @Test
  void reserve_unregistered_isReservationConflict() {
    conflict(pr.reserve(a, 0, WE));
  }

  @Test
  void reserve_invalidType_isInvalidFieldInCdb() {
    good(pr.registerAndIgnore(a, 1));
    assertThat(pr.reserve(a, 1, 2).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void reserve_heldByAnother_isReservationConflict_sameTypeByHolderIsGood() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, EA));
    conflict(pr.reserve(b, 2, EA));
    good(pr.reserve(a, 1, EA));
    conflict(pr.reserve(a, 1, WE));
  }

  @Test
  void release_wrongType_isInvalidReleaseOfPersistentReservation() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.reserve(a, 1, EA));
    assertThat(pr.release(a, 1, WE).is(SenseReason.INVALID_RELEASE_OF_PERSISTENT_RESERVATION)).isTrue();
  }

  @Test
  void release_byNonHolderRegistrant_isGoodAndKeepsReservation() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, WE));
    good(pr.release(b, 2, WE));
    assertThat(pr.readReservation(a).u64(8)).isEqualTo(1);
  }

  @Test
  void release_registrantsOnly_givesReservationsReleasedToOtherRegistrants() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, WE_RO));
    good(pr.release(a, 1, WE_RO));
    assertThat(tur(b).is(SenseReason.RESERVATIONS_RELEASED)).isTrue();
    good(tur(a));
  }

  @Test
  void release_writeExclusive_givesNoUnitAttention() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, WE));
    good(pr.release(a, 1, WE));
    good(tur(b));
  }

  // ---- access (test_prout_reserve_access.c)

  @ParameterizedTest(name = "type {0}")
  @CsvSource({
    "1, true, false, true, false",
    "3, false, false, false, false",
    "5, true, true, true, false",
    "6, true, true, false, false",
    "7, true, true, true, false",
    "8, true, true, false, false"})
  void access_byType(int type, boolean regRead, boolean regWrite, boolean unregRead,
      boolean unregWrite) {
    good(pr.registerAndIgnore(a, 0xA1));
    good(pr.registerAndIgnore(b, 0xB2));
    good(pr.reserve(a, 0xA1, type));
    good(pr.read10(a));
    good(pr.write10(a));
    assertThat(pr.read10(b).good()).isEqualTo(regRead);
    assertThat(pr.write10(b).good()).isEqualTo(regWrite);
    if (!regRead) {
      conflict(pr.read10(b));
    }
    good(pr.register(b, 0xB2, 0));
    assertThat(pr.read10(b).good()).isEqualTo(unregRead);
    assertThat(pr.write10(b).good()).isEqualTo(unregWrite);
    if (!unregWrite) {
      conflict(pr.write10(b));
    }
    good(pr.release(a, 0xA1, type));
    good(pr.register(a, 0xA1, 0));
    good(pr.read10(b));
    good(pr.write10(b));
  }

  @Test
  void writeExclusive_allowsInquiryReadCapacityAndTestUnitReady_conflictsModeSelect() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.reserve(a, 1, EA));
    good(h.run(b, ScsiHarness.cdb(0x12, 0, 0, 0, 96, 0), null, 96));
    good(h.run(b, ScsiHarness.cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 8));
    good(tur(b));
    good(pr.readKeys(b));
    conflict(h.run(b, ScsiHarness.cdb(0x1A, 0, 0x3f, 0, 255, 0), null, 255));
  }

  // ---- ownership (test_prout_reserve_ownership.c)

  @ParameterizedTest(name = "type {0}")
  @ValueSource(ints = {WE, EA, WE_RO, EA_RO})
  void unregisteringHolder_releasesSingleHolderReservation(int type) {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, type));
    good(pr.register(a, 1, 0));
    assertThat(pr.readReservation(a).u32(4)).isZero();
    Result t = tur(b);
    if (type == WE_RO || type == EA_RO) {
      assertThat(t.is(SenseReason.RESERVATIONS_RELEASED)).isTrue();
    } else {
      good(t);
    }
    good(pr.register(b, 2, 0));
  }

  @ParameterizedTest(name = "type {0}")
  @ValueSource(ints = {WE_AR, EA_AR})
  void unregisteringOneRegistrant_keepsAllRegistrantsReservation(int type) {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    good(pr.reserve(a, 1, type));
    good(pr.register(a, 1, 0));
    Result rr = pr.readReservation(a);
    assertThat(rr.u32(4)).isEqualTo(16);
    assertThat(rr.u64(8)).isZero();
    assertThat(rr.u8(21)).isEqualTo(type);
    good(pr.release(b, 2, type));
    assertThat(pr.readReservation(a).u32(4)).isZero();
    good(pr.register(b, 2, 0));
  }

  // ---- CLEAR, PREEMPT

  @Test
  void clear_removesEverything_bumpsGenerationOnce_andTellsOthers() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.registerAndIgnore(b, 2));
    long gen = pr.readKeys(a).u32(0);
    good(pr.reserve(a, 1, EA));
    good(pr.clear(a, 1));
    assertThat(pr.readReservation(a).u32(4)).isZero();
    Result keys = pr.readKeys(a);
    assertThat(keys.u32(4)).isZero();
    assertThat(keys.u32(0)).isEqualTo(gen + 1);
    assertThat(tur(b).is(SenseReason.RESERVATIONS_PREEMPTED)).isTrue();
    good(tur(a));
  }

  @Test
  void clear_byUnregistered_isReservationConflict() {
    good(pr.registerAndIgnore(a, 1));
    conflict(pr.clear(b, 1));
  }

  @Test
  void preempt_removesOtherRegistration_keepsOwn_bumpsGeneration() {
    good(pr.registerAndIgnore(a, 0x1));
    good(pr.registerAndIgnore(b, 0x2));
    long gen = pr.readKeys(a).u32(0);
    good(pr.preempt(b, 0x2, 0x1, EA));
    assertThat(tur(a).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    good(tur(b));
    Result keys = pr.readKeys(a);
    assertThat(keys.u32(4)).isEqualTo(8);
    assertThat(keys.u64(8)).isEqualTo(0x2);
    assertThat(keys.u32(0)).isEqualTo(gen + 1);
    assertThat(pr.readReservation(a).u32(4)).isZero(); // no holder was preempted
  }

  @Test
  void preempt_holder_movesReservationToPreemptor() {
    good(pr.registerAndIgnore(a, 0x1));
    good(pr.registerAndIgnore(b, 0x2));
    good(pr.reserve(a, 0x1, EA));
    conflict(pr.read10(b));
    good(pr.preempt(b, 0x2, 0x1, WE));
    Result rr = pr.readReservation(b);
    assertThat(rr.u64(8)).isEqualTo(0x2);
    assertThat(rr.u8(21)).isEqualTo(WE);
    assertThat(tur(a).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    good(pr.read10(b));
    good(pr.write10(b));
    conflict(pr.write10(a));
    good(pr.read10(a));
  }

  @Test
  void preempt_unknownKey_isReservationConflict_zeroKeyWithoutAllRegistrants_isInvalidParameter() {
    good(pr.registerAndIgnore(a, 0x1));
    conflict(pr.preempt(a, 0x1, 0x99, EA));
    assertThat(pr.preempt(a, 0x1, 0, EA).is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
  }

  @Test
  void preemptAndAbort_preemptsLikePreempt() {
    good(pr.registerAndIgnore(a, 0x1));
    good(pr.registerAndIgnore(b, 0x2));
    good(pr.reserve(a, 0x1, WE));
    good(pr.prout(b, 5, WE, 0x2, 0x1, 0));
    assertThat(pr.readReservation(b).u64(8)).isEqualTo(0x2);
    assertThat(tur(a).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    assertThat(pr.readKeys(a).u32(4)).isEqualTo(8);
  }

  // ---- SPC-4 5.13.1: PR OUT from a conflicting nexus is still processed

  @Test
  void unregisteredNexus_canRegisterUnderExclusiveAccess() {
    good(pr.registerAndIgnore(a, 1));
    good(pr.reserve(a, 1, EA));
    good(pr.registerAndIgnore(b, 2));
    assertThat(pr.readKeys(b).u32(4)).isEqualTo(16);
  }
}
