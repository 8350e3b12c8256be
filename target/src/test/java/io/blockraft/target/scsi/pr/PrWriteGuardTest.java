package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrCdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PrWriteGuard}, the apply-time judge of data changes, says what the dispatcher says for
 * a WRITE: for every reservation type, SPC-2 reservations, registrants and strangers, it permits
 * a nexus's change exactly when {@link Reservations#conflicts} lets its WRITE(10) through.
 */
class PrWriteGuardTest {
  private static final byte[] WRITE_10 = {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0};

  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);
  private final PrCdbs pr = new PrCdbs(h);
  private final ItNexus holder = h.nexus("iqn.2024-01.test:holder");
  private final ItNexus registrant = h.nexus("iqn.2024-01.test:registrant");
  private final ItNexus stranger = h.nexus("iqn.2024-01.test:stranger");
  private final PrWriteGuard guard = new PrWriteGuard();

  private void assertGuardAgreesWithDispatcher(String situation, int expectedRefused) {
    byte[] value = h.lu().volume().getMeta(PrTransform.KEY);
    int refused = 0;
    for (ItNexus n : List.of(holder, registrant, stranger)) {
      boolean dispatcherRefuses = h.lu().reservations().conflicts(n, ConflictClass.WRITE, WRITE_10);
      boolean guardPermits = guard.permits(value, h.lu().reservations().issuer(n));
      assertThat(guardPermits).as("%s: %s", situation, n.initiatorName()).isEqualTo(!dispatcherRefuses);
      refused += guardPermits ? 0 : 1;
    }
    assertThat(refused).as("%s: refused nexuses", situation).isEqualTo(expectedRefused);
  }

  private void clearUnitAttentions() {
    for (ItNexus n : List.of(holder, registrant, stranger)) {
      pr.testUnitReady(n);
    }
  }

  @Test
  void everyReservationType_guardAgreesWithTheDispatcher() {
    assertGuardAgreesWithDispatcher("no registrations", 0);
    good(pr.registerAndIgnore(holder, 0xA));
    good(pr.registerAndIgnore(registrant, 0xB));
    assertGuardAgreesWithDispatcher("registrations, no reservation", 0);
    int[][] typesAndRefused = {{WE, 2}, {EA, 2}, {WE_RO, 1}, {EA_RO, 1}, {WE_AR, 1}, {EA_AR, 1}};
    for (int[] t : typesAndRefused) {
      good(pr.reserve(holder, 0xA, t[0]));
      assertGuardAgreesWithDispatcher("type " + t[0], t[1]);
      good(pr.release(holder, 0xA, t[0]));
      clearUnitAttentions(); // a release reports RESERVATIONS RELEASED to the other registrants
    }
    good(pr.reserve(holder, 0xA, WE));
    good(pr.preempt(registrant, 0xB, 0xA, WE)); // the holder is preempted: its writes are refused
    assertGuardAgreesWithDispatcher("after PREEMPT of the holder", 2);
  }

  @Test
  void spc2Reservation_onlyTheHolderWrites() {
    good(pr.reserve6(holder));
    assertGuardAgreesWithDispatcher("RESERVE(6)", 2);
    good(pr.release6(holder));
    assertGuardAgreesWithDispatcher("released", 0);
  }

  @Test
  void issuerBytes_nameTheNexus_andGarbageRefusesNothing() {
    assertThat(PrWriteGuard.nexus(PrWriteGuard.issuer(registrant))).isEqualTo(registrant);
    good(pr.registerAndIgnore(holder, 0xA));
    good(pr.reserve(holder, 0xA, WE));
    byte[] value = h.lu().volume().getMeta(PrTransform.KEY);
    assertThat(guard.permits(value, new byte[] {1, 2, 3})).isTrue();
    assertThat(guard.permits(null, PrWriteGuard.issuer(stranger))).isTrue();
  }

  /** A change the guard refused reaches the initiator as RESERVATION CONFLICT, like the dispatcher's. */
  @Test
  void refusedAtApply_isReservationConflict() {
    var fenced = new java.util.concurrent.CompletionException(
        new io.blockraft.replication.WriteFencedException("refused"));
    assertThat(io.blockraft.target.scsi.dispatch.Dispatcher.toResponse(fenced, null).status())
        .isEqualTo(io.blockraft.target.scsi.ScsiStatus.RESERVATION_CONFLICT);
  }

  /**
   * The race the guard exists for: the preempted host's WRITE passed the dispatcher's check and
   * was on its way to the log when the PREEMPT got GOOD; where it applies it is refused
   * (RESERVATION CONFLICT), and the medium keeps what it had.
   */
  @Test
  void writeCheckedBeforePreempt_appliedAfter_isRefused() throws Exception {
    good(pr.registerAndIgnore(holder, 0xA));
    good(pr.registerAndIgnore(registrant, 0xB));
    good(pr.reserve(registrant, 0xB, WE));
    CompletableFuture<Void> arrived = h.volume().holdIssuedChanges();
    CompletableFuture<ScsiHarness.Result> write = CompletableFuture.supplyAsync(
        () -> pr.write10(registrant));
    arrived.get(30, TimeUnit.SECONDS); // checked, and now waiting to be applied
    good(pr.preempt(holder, 0xA, 0xB, WE));
    h.volume().releaseIssuedChanges();
    conflict(write.get(30, TimeUnit.SECONDS));
    assertThat(h.volume().isMapped(1)).as("the refused write changed nothing").isFalse();
    good(pr.write10(holder)); // the new holder writes
    assertThat(h.volume().isMapped(1)).isTrue();
  }
}
