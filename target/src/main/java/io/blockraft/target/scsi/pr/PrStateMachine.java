package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrOutRequest.*;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.pr.PrState.Registration;
import io.blockraft.target.scsi.pr.PrState.Reservation;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.ArrayList;
import java.util.List;

/**
 * SPC-4 5.13.7 - 5.13.11 and 6.16: PERSISTENT RESERVE OUT as a pure, deterministic transition
 * {@code (state, issuing I_T nexus, request) -> (new state, unit attentions)}. Errors leave the
 * state unchanged and are thrown: {@link ReservationConflictException} for RESERVATION CONFLICT,
 * {@link ScsiException} for CHECK CONDITION. Nothing here touches I/O, time or locks, so the same
 * request applied to the same state gives the same result on every replica.
 *
 * <p>PRGENERATION is incremented by REGISTER, REGISTER AND IGNORE EXISTING KEY, CLEAR, PREEMPT,
 * PREEMPT AND ABORT and REGISTER AND MOVE, never by RESERVE or RELEASE, and not by a request that
 * failed or changed nothing (SPC-4 6.15.2).
 */
public final class PrStateMachine {
  /** Registrations a logical unit holds at most (beyond: INSUFFICIENT REGISTRATION RESOURCES). */
  public static final int MAX_REGISTRATIONS = 1024;

  private PrStateMachine() {}

  /**
   * A unit attention to establish for every I_T nexus the registrant covers.
   *
   * @param target the I_T nexuses
   * @param reason the condition
   */
  public record Ua(Registrant target, SenseReason reason) {}

  /**
   * The outcome of one request.
   *
   * @param state the new state (the same object when nothing changed)
   * @param unitAttentions conditions for other I_T nexuses
   * @param aborted for PREEMPT AND ABORT, the registrations whose I_T nexuses lose their tasks on
   *     the LU (the transport aborts them): SPC-4 5.12.11.2.6, every registration with the SERVICE
   *     ACTION RESERVATION KEY, the issuer's own included, whether or not it held the reservation;
   *     with SARK zero on an all-registrants reservation, every registration. Empty otherwise
   */
  public record Transition(PrState state, List<Ua> unitAttentions, List<Registrant> aborted) {
    static Transition unchanged(PrState s) {
      return new Transition(s, List.of(), List.of());
    }
  }

  public static Transition apply(PrState s, ItNexus issuer, PrOutRequest r) {
    switch (r.serviceAction()) {
      case REGISTER:
        return register(s, issuer, r, false);
      case REGISTER_AND_IGNORE_EXISTING_KEY:
        return register(s, issuer, r, true);
      case RESERVE:
        return reserve(s, issuer, r);
      case RELEASE:
        return release(s, issuer, r);
      case CLEAR:
        return clear(s, issuer, r);
      case PREEMPT:
        return preempt(s, issuer, r, false);
      case PREEMPT_AND_ABORT:
        return preempt(s, issuer, r, true);
      case REGISTER_AND_MOVE:
        return registerAndMove(s, issuer, r);
      default:
        throw ScsiException.invalidCdbField(1, 4);
    }
  }

  /** The issuer's registration, which must carry RESERVATION KEY (else RESERVATION CONFLICT). */
  private static Registration checkKey(PrState s, ItNexus issuer, long reservationKey) {
    Registration own = s.find(issuer);
    if (own == null || own.key() != reservationKey) {
      throw new ReservationConflictException();
    }
    return own;
  }

  private static PrType checkScopeAndType(PrOutRequest r) {
    if (r.scope() != 0) { // only LU_SCOPE (SPC-4 6.15.3.3)
      throw ScsiException.invalidCdbField(2, 7);
    }
    PrType type = PrType.of(r.typeCode());
    if (type == null) {
      throw ScsiException.invalidCdbField(2, 3);
    }
    return type;
  }

  // ---- SPC-4 5.13.7 registering, 5.13.11.3 unregistering

  private static Transition register(PrState s, ItNexus issuer, PrOutRequest r, boolean ignoreKey) {
    Registration own = s.find(issuer);
    if (own != null) {
      if (!ignoreKey && own.key() != r.reservationKey()) {
        throw new ReservationConflictException();
      }
      if (r.specIpt()) { // SPC-4 5.13.7: SPEC_I_PT on a registered I_T nexus
        throw ScsiException.invalidCdbField(1);
      }
      if (r.serviceActionKey() == 0) {
        return unregister(s, own, r.aptpl());
      }
      List<Registration> regs = new ArrayList<>(s.registrations());
      regs.set(regs.indexOf(own), new Registration(own.registrant(), r.serviceActionKey()));
      return changed(new PrState(s.generation() + 1, regs, s.reservation(), r.aptpl()));
    }
    if (!ignoreKey && r.reservationKey() != 0) {
      throw new ReservationConflictException();
    }
    if (r.serviceActionKey() == 0) {
      return Transition.unchanged(s); // unregistered, nothing to register: GOOD, no change
    }
    Registrant me = Registrant.of(issuer, r.allTgPt());
    List<Registration> added = new ArrayList<>();
    added.add(new Registration(me, r.serviceActionKey()));
    for (Registration existing : s.registrations()) {
      if (existing.registrant().overlaps(me)) {
        // ALL_TG_PT over an initiator port already registered through another target port
        throw new ReservationConflictException();
      }
    }
    for (TransportId id : r.transportIds()) {
      Registrant other = r.allTgPt()
          ? id.on(null, 0, 0)
          : id.on(issuer.targetName(), issuer.targetPortGroup(), issuer.relativeTargetPortId());
      if (other.matches(issuer) && other.isid() != null) {
        continue; // the issuing I_T nexus itself
      }
      for (Registration existing : s.registrations()) {
        if (existing.registrant().overlaps(other)) {
          throw ScsiException.invalidParameterField(24); // SPC-4 5.13.7: already registered
        }
      }
      for (Registration a : added) {
        if (a.registrant().overlaps(other)) {
          throw ScsiException.invalidParameterField(24);
        }
      }
      added.add(new Registration(other, r.serviceActionKey()));
    }
    if (s.registrations().size() + added.size() > MAX_REGISTRATIONS) {
      throw new ScsiException(SenseReason.INSUFFICIENT_REGISTRATION_RESOURCES);
    }
    List<Registration> regs = new ArrayList<>(s.registrations());
    regs.addAll(added);
    return changed(new PrState(s.generation() + 1, regs, s.reservation(), r.aptpl()));
  }

  private static Transition unregister(PrState s, Registration own, boolean aptpl) {
    List<Registration> regs = new ArrayList<>(s.registrations());
    regs.remove(own);
    Reservation res = s.reservation();
    List<Ua> uas = new ArrayList<>();
    if (res != null) {
      if (res.type().allRegistrants) {
        if (regs.isEmpty()) {
          res = null; // the last holder of an all-registrants reservation left
        }
      } else if (own.registrant().equals(res.holder())) {
        if (res.type().registrantsOnly) { // SPC-4 5.13.11.3: RESERVATIONS RELEASED for RO types
          for (Registration other : regs) {
            uas.add(new Ua(other.registrant(), SenseReason.RESERVATIONS_RELEASED));
          }
        }
        res = null;
      }
    }
    return new Transition(new PrState(s.generation() + 1, regs, res, aptpl), uas, List.of());
  }

  // ---- SPC-4 5.13.9 reserving

  private static Transition reserve(PrState s, ItNexus issuer, PrOutRequest r) {
    PrType type = checkScopeAndType(r);
    Registration own = checkKey(s, issuer, r.reservationKey());
    Reservation res = s.reservation();
    if (res != null) {
      if (s.isHolder(own) && res.type() == type) {
        return Transition.unchanged(s); // the holder reserving again with the same type
      }
      throw new ReservationConflictException();
    }
    Reservation created = new Reservation(type, type.allRegistrants ? null : own.registrant());
    return changed(new PrState(s.generation(), s.registrations(), created, s.aptpl()));
  }

  // ---- SPC-4 5.13.11.2.2 releasing

  private static Transition release(PrState s, ItNexus issuer, PrOutRequest r) {
    Registration own = checkKey(s, issuer, r.reservationKey());
    Reservation res = s.reservation();
    if (res == null || !s.isHolder(own)) {
      return Transition.unchanged(s); // nothing to release: GOOD
    }
    if (r.scope() != 0 || r.typeCode() != res.type().code) {
      throw new ScsiException(SenseReason.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
    }
    List<Ua> uas = new ArrayList<>();
    if (res.type().admitsRegistrants()) {
      for (Registration other : s.registrations()) {
        if (other != own) {
          uas.add(new Ua(other.registrant(), SenseReason.RESERVATIONS_RELEASED));
        }
      }
    }
    PrState next = new PrState(s.generation(), s.registrations(), null, s.aptpl());
    return new Transition(next, uas, List.of());
  }

  // ---- SPC-4 5.13.11.2.6 clearing

  private static Transition clear(PrState s, ItNexus issuer, PrOutRequest r) {
    Registration own = checkKey(s, issuer, r.reservationKey());
    List<Ua> uas = new ArrayList<>();
    for (Registration other : s.registrations()) {
      if (other != own) {
        uas.add(new Ua(other.registrant(), SenseReason.RESERVATIONS_PREEMPTED));
      }
    }
    PrState next = new PrState(s.generation() + 1, List.of(), null, s.aptpl());
    return new Transition(next, uas, List.of());
  }

  // ---- SPC-4 5.13.11.2.4 / 5.13.11.2.5 preempting (and aborting)

  private static Transition preempt(PrState s, ItNexus issuer, PrOutRequest r, boolean abort) {
    Registration own = checkKey(s, issuer, r.reservationKey());
    long sark = r.serviceActionKey();
    Reservation res = s.reservation();
    boolean allRegs = res != null && res.type().allRegistrants;
    Registration holder = s.holderRegistration();
    boolean preemptsReservation = (allRegs && sark == 0) || (holder != null && holder.key() == sark);

    if (!preemptsReservation) {
      // no reservation, or SARK names no holder: only registrations go (5.13.11.2.4.2)
      if (sark == 0) {
        throw ScsiException.invalidParameterField(8);
      }
      boolean any = false;
      List<Registration> regs = new ArrayList<>();
      List<Registrant> removed = new ArrayList<>();
      List<Registrant> named = new ArrayList<>();
      for (Registration reg : s.registrations()) {
        if (reg.key() == sark) {
          any = true;
          named.add(reg.registrant());
          if (reg != own) {
            removed.add(reg.registrant());
            continue;
          }
        }
        regs.add(reg);
      }
      if (!any) {
        throw new ReservationConflictException();
      }
      Reservation kept = res;
      if (kept != null && kept.type().allRegistrants && regs.isEmpty()) {
        kept = null;
      }
      List<Ua> uas = new ArrayList<>();
      for (Registrant gone : removed) {
        uas.add(new Ua(gone, SenseReason.REGISTRATIONS_PREEMPTED));
      }
      return new Transition(new PrState(s.generation() + 1, regs, kept, s.aptpl()), uas,
          abort ? named : List.of());
    }

    // the reservation is preempted (5.13.11.2.4.3)
    PrType type = checkScopeAndType(r);
    List<Registration> regs = new ArrayList<>();
    List<Registrant> removed = new ArrayList<>();
    List<Registrant> named = new ArrayList<>();
    for (Registration reg : s.registrations()) {
      boolean isNamed = allRegs && sark == 0 || reg.key() == sark;
      if (isNamed) {
        named.add(reg.registrant());
      }
      if (isNamed && reg != own) {
        removed.add(reg.registrant());
      } else {
        regs.add(reg);
      }
    }
    Reservation created = new Reservation(type, type.allRegistrants ? null : own.registrant());
    List<Ua> uas = new ArrayList<>();
    for (Registrant gone : removed) {
      uas.add(new Ua(gone, SenseReason.REGISTRATIONS_PREEMPTED));
    }
    if (res.type() != type) { // type (or scope) changed: RESERVATIONS RELEASED to those left
      for (Registration reg : regs) {
        if (reg != own) {
          uas.add(new Ua(reg.registrant(), SenseReason.RESERVATIONS_RELEASED));
        }
      }
    }
    return new Transition(new PrState(s.generation() + 1, regs, created, s.aptpl()), uas,
        abort ? named : List.of());
  }

  // ---- SPC-4 5.13.8 REGISTER AND MOVE

  private static Transition registerAndMove(PrState s, ItNexus issuer, PrOutRequest r) {
    Registration own = checkKey(s, issuer, r.reservationKey());
    Reservation res = s.reservation();
    if (res == null || res.type().allRegistrants || !s.isHolder(own)) {
      throw new ReservationConflictException();
    }
    if (r.serviceActionKey() == 0) {
      throw ScsiException.invalidParameterField(8);
    }
    if (r.relativeTargetPort() == 0) {
      throw ScsiException.invalidParameterField(18);
    }
    TransportId id = r.transportIds().get(0);
    // target port group == relative target port id (ARCHITECTURE.md, ALUA model)
    Registrant dest = id.on(issuer.targetName(), r.relativeTargetPort(), r.relativeTargetPort());
    if (dest.overlaps(own.registrant()) || dest.matches(issuer)) {
      throw ScsiException.invalidParameterField(24); // the destination is the issuing I_T nexus
    }
    List<Registration> regs = new ArrayList<>(s.registrations());
    Registration existing = null;
    for (Registration reg : regs) {
      if (reg.registrant().equals(dest)) {
        existing = reg;
      } else if (reg.registrant().overlaps(dest)) {
        throw ScsiException.invalidParameterField(24);
      }
    }
    if (existing == null) {
      if (regs.size() >= MAX_REGISTRATIONS) {
        throw new ScsiException(SenseReason.INSUFFICIENT_REGISTRATION_RESOURCES);
      }
      regs.add(new Registration(dest, r.serviceActionKey()));
    }
    if (r.unreg()) {
      regs.remove(own);
    }
    Reservation moved = new Reservation(res.type(), dest);
    return changed(new PrState(s.generation() + 1, regs, moved, r.aptpl()));
  }

  private static Transition changed(PrState next) {
    return new Transition(next, List.of(), List.of());
  }
}
