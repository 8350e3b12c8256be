package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.dispatch.ConflictClass;

/**
 * Reservation state of one LU: SPC-2 RESERVE/RELEASE and SPC-4 5.13 persistent reservations.
 * (Stub: the PR work fills this in.)
 */
public final class Reservations {
  private final LogicalUnit lu;

  public Reservations(LogicalUnit lu) {
    this.lu = lu;
  }

  /** True when a command of class {@code cc} from {@code nexus} must get RESERVATION CONFLICT. */
  public boolean conflicts(ItNexus nexus, ConflictClass cc, byte[] cdb) {
    return false;
  }

  /** The nexus went away (SPC-2 reservations are released on I_T nexus loss). */
  public void nexusLost(ItNexus nexus) {}

  /** LOGICAL UNIT RESET / TARGET RESET: releases SPC-2 reservations (PRs survive, SPC-4 5.13.11). */
  public void reset() {}
}
