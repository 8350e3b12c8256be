package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;

/**
 * Everything about one logical unit's reservations that every node must agree on: the SPC-4 5.13
 * persistent reservation state and the SPC-2 5.5.1 RESERVE(6)/(10) holder. It is the value of the
 * replicated metadata key "pr" ({@link PrTransform}), changed only at apply time, so it is the
 * same on every replica.
 *
 * @param pr registrations, reservation, PRGENERATION and APTPL
 * @param spc2Holder the I_T nexus holding an SPC-2 reservation, or null. Nexuses are node-local
 *     (the target port group is the node id), so this names one node's nexus cluster-wide
 */
public record ReservationState(PrState pr, ItNexus spc2Holder) {

  public static final ReservationState EMPTY = new ReservationState(PrState.EMPTY, null);

  public ReservationState {
    if (pr == null) {
      throw new IllegalArgumentException("pr");
    }
  }

  /** True when there is nothing to keep (the metadata key can be absent). */
  public boolean isEmpty() {
    return spc2Holder == null && pr.equals(PrState.EMPTY);
  }

  public ReservationState withPr(PrState next) {
    return new ReservationState(next, spc2Holder);
  }

  public ReservationState withSpc2Holder(ItNexus holder) {
    return new ReservationState(pr, holder);
  }
}
