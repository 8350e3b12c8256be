package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import java.util.List;

/**
 * The persistent reservation state of one logical unit (SPC-4 5.13): the PRGENERATION counter,
 * the registrations, the persistent reservation (if any) and the last valid APTPL bit. Immutable:
 * every PERSISTENT RESERVE OUT produces a new one ({@link PrStateMachine}).
 *
 * @param generation PRGENERATION (SPC-4 6.15.2), a 32-bit counter that wraps
 * @param registrations registrations in the order they were made
 * @param reservation the persistent reservation, or null
 * @param aptpl the last valid APTPL bit received (SPC-4 5.13.5)
 */
public record PrState(int generation, List<Registration> registrations, Reservation reservation,
    boolean aptpl) {

  public static final PrState EMPTY = new PrState(0, List.of(), null, false);

  public PrState {
    registrations = List.copyOf(registrations);
  }

  /**
   * One registration: a reservation key for a set of I_T nexuses.
   *
   * @param registrant the I_T nexuses registered
   * @param key the reservation key (never zero)
   */
  public record Registration(Registrant registrant, long key) {}

  /**
   * The persistent reservation (scope is always LU_SCOPE, SPC-4 6.15.3.3).
   *
   * @param type reservation type
   * @param holder the holding registrant; null for the all-registrants types, whose holders are
   *     every registered I_T nexus (SPC-4 5.13.10)
   */
  public record Reservation(PrType type, Registrant holder) {}

  /** The registration covering {@code n} (the most specific one), or null. */
  public Registration find(ItNexus n) {
    Registration best = null;
    for (Registration r : registrations) {
      if (r.registrant().matches(n)
          && (best == null || r.registrant().specificity() > best.registrant().specificity())) {
        best = r;
      }
    }
    return best;
  }

  /** True when the registration is a holder of the current reservation (SPC-4 5.13.10). */
  public boolean isHolder(Registration r) {
    return r != null && reservation != null
        && (reservation.type().allRegistrants || r.registrant().equals(reservation.holder()));
  }

  /** True when {@code n} is a reservation holder. */
  public boolean isHolder(ItNexus n) {
    return isHolder(find(n));
  }

  /** The registration of the (single) reservation holder, or null. */
  public Registration holderRegistration() {
    if (reservation == null || reservation.holder() == null) {
      return null;
    }
    for (Registration r : registrations) {
      if (r.registrant().equals(reservation.holder())) {
        return r;
      }
    }
    return null;
  }
}
