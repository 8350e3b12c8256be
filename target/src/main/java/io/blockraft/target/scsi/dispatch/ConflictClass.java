package io.blockraft.target.scsi.dispatch;

/**
 * How a command behaves under a reservation held by another I_T nexus (SPC-4 5.13.1, Table 50
 * and the per-command tables; SPC-2 7.21 for RESERVE(6)/(10) reservations).
 */
public enum ConflictClass {
  /** Allowed under any reservation (INQUIRY, REPORT LUNS, REQUEST SENSE, PR IN/OUT, ...). */
  NEVER,
  /** Reads: conflicts with Exclusive Access types (and SPC-2 reservations), allowed under Write Exclusive. */
  READ,
  /** Writes: conflicts with Write Exclusive and Exclusive Access types (and SPC-2 reservations). */
  WRITE,
  /** Conflicts with any reservation held by another nexus (and SPC-2 reservations). */
  ALWAYS
}
