package io.blockraft.target.scsi.pr;

import io.blockraft.replication.MetaTransform;
import io.blockraft.replication.MetaTransforms;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.pr.PrStateMachine.Transition;
import io.blockraft.target.scsi.sense.ScsiException;

/**
 * A logical unit's reservations as one replicated value (ARCHITECTURE.md: PERSISTENT RESERVE OUT
 * is a single Raft entry evaluated deterministically at apply time). The value of metadata key
 * {@value #KEY} is a {@link ReservationState} ({@link PrStateCodec}); each {@link PrOp} is
 * evaluated against it on every replica, in log order, and yields the new value and a
 * {@link PrOutcome}:
 *
 * <ul>
 *   <li>PERSISTENT RESERVE OUT (SPC-4 6.16, 5.13.7 - 5.13.11): {@link PrStateMachine}, which
 *       conflicts while an SPC-2 reservation exists (SPC-2 5.5.1);
 *   <li>RESERVE / RELEASE (SPC-2 7.21, 7.17) of the whole LU, with the SPC-4 5.13.3 exceptions
 *       while registrations exist;
 *   <li>I_T nexus loss of the SPC-2 holder, LOGICAL UNIT RESET and target reset (SAM-5 6.3.3):
 *       the SPC-2 reservation is released; persistent reservations stay (SPC-4 5.13.11);
 *   <li>power on (SPC-4 5.13.5): without APTPL everything goes, with APTPL only the SPC-2
 *       reservation does.
 * </ul>
 *
 * <p>Pure: no clock, node id, randomness or I/O, so every replica computes the same bytes, in
 * normal apply and in replay. An operation that does not decode (or trips a bug) changes nothing
 * and yields {@link PrOutcome.Status#REJECTED}. An empty state is stored as an absent key.
 */
public final class PrTransform implements MetaTransform {
  /** The metadata key of the reservation state. */
  public static final String KEY = "pr";

  private PrTransform() {}

  /**
   * Registers the transform under {@value #KEY}, and {@link PrWriteGuard} as the node's write
   * guard on the same key; the node calls this before volumes open.
   */
  public static MetaTransforms register(MetaTransforms transforms) {
    return transforms.register(KEY, new PrTransform()).guardWrites(KEY, new PrWriteGuard());
  }

  /** The reservation state a stored value holds: absent or undecodable is the empty state. */
  static ReservationState valueOf(byte[] value) {
    if (value == null) {
      return ReservationState.EMPTY;
    }
    try {
      return PrStateCodec.decode(value);
    } catch (IllegalArgumentException e) {
      return ReservationState.EMPTY; // the same bytes decode the same way on every replica
    }
  }

  @Override
  public Outcome apply(byte[] current, byte[] op) {
    ReservationState before = valueOf(current);
    Step step;
    try {
      step = evaluate(before, PrOp.decode(op));
    } catch (ReservationConflictException e) {
      step = new Step(before, PrOutcome.conflict());
    } catch (ScsiException e) {
      step = new Step(before, PrOutcome.checkCondition(e));
    } catch (RuntimeException e) { // undecodable operation, or a bug: deterministic either way
      step = new Step(before, PrOutcome.rejected());
    }
    byte[] value;
    if (step.state() == before) {
      value = current; // nothing changed: nothing is stored
    } else {
      value = step.state().isEmpty() ? null : PrStateCodec.encode(step.state());
    }
    return new Outcome(value, step.outcome().encode());
  }

  /** One evaluation: the new state (the same object when unchanged) and the outcome. */
  private record Step(ReservationState state, PrOutcome outcome) {}

  private static Step done(ReservationState s) {
    return new Step(s, PrOutcome.good());
  }

  private static Step evaluate(ReservationState s, PrOp op) {
    ItNexus issuer = op.issuer();
    switch (op.kind()) {
      case PR_OUT:
        return persistentReserveOut(s, issuer, op.request());
      case RESERVE:
        return reserve(s, issuer);
      case RELEASE:
        return release(s, issuer);
      case NEXUS_LOST:
        return done(issuer.equals(s.spc2Holder()) ? s.withSpc2Holder(null) : s);
      case RESET, TARGET_RESET:
        return done(s.spc2Holder() == null ? s : s.withSpc2Holder(null));
      case POWER_ON:
        ReservationState next = s.pr().aptpl() ? s.withSpc2Holder(null) : ReservationState.EMPTY;
        return done(next.equals(s) ? s : next);
      default:
        throw new IllegalArgumentException("unhandled " + op.kind());
    }
  }

  private static Step persistentReserveOut(ReservationState s, ItNexus issuer, PrOutRequest r) {
    if (s.spc2Holder() != null) {
      throw new ReservationConflictException(); // SPC-2 5.5.1, whoever holds it
    }
    Transition t = PrStateMachine.apply(s.pr(), issuer, r);
    return new Step(t.state() == s.pr() ? s : s.withPr(t.state()), PrOutcome.of(t));
  }

  /**
   * SPC-2 RESERVE with the SPC-4 5.13.3 exceptions: while any registration exists, a RESERVE from
   * a persistent reservation holder (or a registrant of an RO/AR reservation) completes with GOOD
   * and changes nothing; from anyone else it conflicts.
   */
  private static Step reserve(ReservationState s, ItNexus issuer) {
    if (!s.pr().registrations().isEmpty()) {
      if (ReservationRules.spc3Exempt(s.pr(), issuer)) {
        return done(s);
      }
      throw new ReservationConflictException();
    }
    ItNexus holder = s.spc2Holder();
    if (holder != null && !holder.equals(issuer)) {
      throw new ReservationConflictException();
    }
    return done(holder != null ? s : s.withSpc2Holder(issuer));
  }

  /**
   * SPC-2 RELEASE: releases the reservation held by this nexus; from any other nexus it does
   * nothing (GOOD). With registrations present, the SPC-4 5.13.3 exceptions apply.
   */
  private static Step release(ReservationState s, ItNexus issuer) {
    if (!s.pr().registrations().isEmpty()) {
      if (ReservationRules.spc3Exempt(s.pr(), issuer)) {
        return done(s);
      }
      throw new ReservationConflictException();
    }
    return done(issuer.equals(s.spc2Holder()) ? s.withSpc2Holder(null) : s);
  }
}
