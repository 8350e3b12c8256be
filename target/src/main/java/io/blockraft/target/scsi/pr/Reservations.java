package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.pr.PrState.Registration;
import io.blockraft.target.scsi.pr.PrState.Reservation;
import io.blockraft.target.scsi.pr.PrStateMachine.Transition;
import io.blockraft.target.scsi.pr.PrStateMachine.Ua;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reservation state of one LU: SPC-4 5.13 persistent reservations and SPC-2 7.21/7.17
 * RESERVE/RELEASE reservations, with the SPC-4 5.13.3 exceptions (CRH=1) between the two.
 *
 * <p>The persistent state is an immutable {@link PrState} changed only through the pure
 * {@link PrStateMachine}; this class serialises those changes under one lock, delivers the unit
 * attentions they produce and persists the state to the volume metadata ("pr") while APTPL is set.
 * {@link #conflicts} reads volatile snapshots without locking: it runs for every command.
 *
 * <p>The SPC-2 reservation belongs to one I_T nexus and is released by RELEASE from that nexus,
 * by its loss, and by LOGICAL UNIT RESET / target reset. While it exists every PERSISTENT RESERVE
 * IN/OUT conflicts (SPC-2 5.5.1) and other I_T nexuses may only run the commands SPC-2 Table B.1
 * allows (INQUIRY, REQUEST SENSE, REPORT LUNS, RELEASE, LOG SENSE, READ CAPACITY, ...).
 */
public final class Reservations {
  private static final Logger log = LoggerFactory.getLogger(Reservations.class);
  static final String META_KEY = "pr";

  private final LogicalUnit lu;
  private final Object lock = new Object();
  private volatile PrState state = PrState.EMPTY;
  private volatile ItNexus spc2Holder;
  /** I_T nexuses that addressed this LU: where registrant-wide unit attentions go. */
  private final Set<ItNexus> knownNexuses = ConcurrentHashMap.newKeySet();
  /** Metadata writes are chained so they reach the volume in the order of the changes. */
  private CompletableFuture<Void> persisted = CompletableFuture.completedFuture(null);

  public Reservations(LogicalUnit lu) {
    this.lu = lu;
    this.state = load(lu);
  }

  private static PrState load(LogicalUnit lu) {
    if (lu == null || lu.volume() == null) {
      return PrState.EMPTY;
    }
    try {
      byte[] b = lu.volume().getMeta(META_KEY);
      if (b == null) {
        return PrState.EMPTY;
      }
      PrState s = PrStateCodec.decode(b);
      log.info("volume {}: persistent reservations restored (APTPL): {} registrations, {}",
          lu.volume().name(), s.registrations().size(),
          s.reservation() == null ? "no reservation" : "reservation " + s.reservation().type());
      return s;
    } catch (RuntimeException e) {
      log.warn("volume {}: persistent reservation state not loaded: {}", lu.volume().name(), e.toString());
      return PrState.EMPTY;
    }
  }

  /** The current persistent reservation state (a snapshot). */
  public PrState state() {
    return state;
  }

  /** The I_T nexus holding an SPC-2 RESERVE reservation, or null. */
  public ItNexus spc2Holder() {
    return spc2Holder;
  }

  /** True when a command of class {@code cc} from {@code nexus} must get RESERVATION CONFLICT. */
  public boolean conflicts(ItNexus nexus, ConflictClass cc, byte[] cdb) {
    knownNexuses.add(nexus);
    ItNexus holder2 = spc2Holder;
    if (holder2 != null) {
      int op = cdb[0] & 0xff;
      if (op == PrCommands.PERSISTENT_RESERVE_IN || op == PrCommands.PERSISTENT_RESERVE_OUT) {
        return true; // SPC-2 5.5.1: regardless of initiator
      }
      return !holder2.equals(nexus) && !ReservationRules.allowedUnderSpc2Reservation(cdb);
    }
    PrState s = state;
    Reservation res = s.reservation();
    if (res == null || cc == ConflictClass.NEVER || ReservationRules.allowedUnderAnyReservation(cdb)) {
      return false;
    }
    Registration reg = s.find(nexus);
    if (s.isHolder(reg)) {
      return false;
    }
    if (reg != null && res.type().admitsRegistrants()) {
      return false; // registrants share access under the RO / AR types
    }
    switch (cc) {
      case READ:
        return res.type().exclusiveAccess;
      case WRITE:
      case ALWAYS:
      default:
        return true;
    }
  }

  /** The nexus went away (SPC-2 reservations are released on I_T nexus loss; PRs stay). */
  public void nexusLost(ItNexus nexus) {
    synchronized (lock) {
      if (nexus.equals(spc2Holder)) {
        spc2Holder = null;
      }
      knownNexuses.remove(nexus);
    }
  }

  /** LOGICAL UNIT RESET / TARGET RESET: releases SPC-2 reservations (PRs survive, SPC-4 5.13.11). */
  public void reset() {
    synchronized (lock) {
      spc2Holder = null;
    }
  }

  /**
   * Applies one PERSISTENT RESERVE OUT. Completes when the change is durable (APTPL) or at once,
   * with the registrations whose I_T nexuses' tasks a PREEMPT AND ABORT aborts (the caller does;
   * {@link PrStateMachine.Transition#aborted}; empty for everything else); fails with
   * {@link ReservationConflictException} or a ScsiException, leaving the state as it was.
   */
  public CompletableFuture<List<Registrant>> persistentReserveOut(ItNexus nexus,
      PrOutRequest request) {
    knownNexuses.add(nexus);
    synchronized (lock) {
      if (spc2Holder != null) {
        throw new ReservationConflictException(); // SPC-2 5.5.1 (a RESERVE won the race)
      }
      PrState before = state;
      Transition t = PrStateMachine.apply(before, nexus, request);
      if (t.state() == before) {
        return CompletableFuture.completedFuture(List.of());
      }
      state = t.state();
      for (Ua ua : t.unitAttentions()) {
        for (ItNexus n : knownNexuses) {
          if (ua.target().matches(n) && !n.equals(nexus)) {
            lu.unitAttentions().establish(n, ua.reason());
          }
        }
      }
      if (t.state().aptpl() || before.aptpl()) {
        byte[] bytes = t.state().aptpl() ? PrStateCodec.encode(t.state()) : null;
        persisted = persisted.handle((v, e) -> null)
            .thenCompose(v -> lu.volume().putMeta(META_KEY, bytes));
        return persisted.thenApply(v -> t.aborted());
      }
      return CompletableFuture.completedFuture(t.aborted());
    }
  }

  /**
   * SPC-2 RESERVE(6)/(10) with the SPC-4 5.13.3 exceptions: while any registration exists, a
   * RESERVE from a persistent reservation holder (or a registrant of an RO/AR reservation)
   * completes with GOOD and changes nothing; from anyone else it conflicts.
   */
  public void reserve(ItNexus nexus) {
    synchronized (lock) {
      PrState s = state;
      if (!s.registrations().isEmpty()) {
        if (ReservationRules.spc3Exempt(s, nexus)) {
          return;
        }
        throw new ReservationConflictException();
      }
      if (spc2Holder != null && !spc2Holder.equals(nexus)) {
        throw new ReservationConflictException();
      }
      spc2Holder = nexus;
    }
  }

  /**
   * SPC-2 RELEASE(6)/(10): releases the reservation held by this nexus; from any other nexus it
   * does nothing (GOOD). With registrations present, the SPC-4 5.13.3 exceptions apply.
   */
  public void release(ItNexus nexus) {
    synchronized (lock) {
      PrState s = state;
      if (!s.registrations().isEmpty()) {
        if (ReservationRules.spc3Exempt(s, nexus)) {
          return;
        }
        throw new ReservationConflictException();
      }
      if (nexus.equals(spc2Holder)) {
        spc2Holder = null;
      }
    }
  }
}
