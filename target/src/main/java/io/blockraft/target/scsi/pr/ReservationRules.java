package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.pr.PrState.Registration;

/**
 * The per-command exceptions of the reservation tables that the opcode table's
 * {@link io.blockraft.target.scsi.dispatch.ConflictClass} cannot say on its own: commands allowed
 * depending on CDB fields (SPC-4 5.13.1 Table 66 / SBC-4 4.17 Table 13), the commands SPC-2
 * (Table B.1, 5.5.1) allows from other initiators under a RESERVE reservation, and the SPC-4 5.13.3
 * exceptions to RESERVE/RELEASE while persistent registrations exist.
 */
final class ReservationRules {
  private static final int TEST_UNIT_READY = 0x00;
  private static final int REQUEST_SENSE = 0x03;
  private static final int INQUIRY = 0x12;
  private static final int START_STOP_UNIT = 0x1B;
  private static final int PREVENT_ALLOW = 0x1E;
  private static final int READ_CAPACITY_10 = 0x25;
  private static final int LOG_SENSE = 0x4D;
  private static final int SERVICE_ACTION_IN_16 = 0x9E;
  private static final int SA_READ_CAPACITY_16 = 0x10;
  private static final int REPORT_LUNS = 0xA0;
  private static final int MAINTENANCE_IN = 0xA3;
  private static final int SERVICE_ACTION_IN_12 = 0xAB;
  private static final int SA_READ_MEDIA_SERIAL_NUMBER = 0x01;

  private ReservationRules() {}

  /**
   * Commands allowed through every persistent reservation type whatever their class:
   * PREVENT ALLOW MEDIUM REMOVAL with PREVENT=00b, START STOP UNIT with START=1 and POWER
   * CONDITION=0 (SPC-4 Table 66, SBC-4 Table 13).
   */
  static boolean allowedUnderAnyReservation(byte[] cdb) {
    int op = cdb[0] & 0xff;
    if (op == PREVENT_ALLOW) {
      return (cdb[4] & 0x03) == 0;
    }
    if (op == START_STOP_UNIT) {
      return (cdb[4] & 0x01) != 0 && (cdb[4] & 0xf0) == 0;
    }
    return false;
  }

  /**
   * Commands another I_T nexus may run while the LU is reserved by RESERVE(6)/(10) (SPC-2 Table
   * B.1 and 5.5.1; RELEASE completes without releasing). Everything else, TEST UNIT READY and MODE
   * SENSE included, conflicts.
   */
  static boolean allowedUnderSpc2Reservation(byte[] cdb) {
    int op = cdb[0] & 0xff;
    switch (op) {
      case INQUIRY:
      case REQUEST_SENSE:
      case REPORT_LUNS:
      case LOG_SENSE:
      case READ_CAPACITY_10:
      case PrCommands.RELEASE_6:
      case PrCommands.RELEASE_10:
        return true;
      case PREVENT_ALLOW:
        return (cdb[4] & 0x03) == 0;
      case SERVICE_ACTION_IN_16:
        return (cdb[1] & 0x1f) == SA_READ_CAPACITY_16;
      case SERVICE_ACTION_IN_12:
        return (cdb[1] & 0x1f) == SA_READ_MEDIA_SERIAL_NUMBER;
      case MAINTENANCE_IN:
        // REPORT TARGET PORT GROUPS, REPORT SUPPORTED OPERATION CODES / TMFs, REPORT TIMESTAMP
        int sa = cdb[1] & 0x1f;
        return sa == 0x0A || sa == 0x0C || sa == 0x0D || sa == 0x0F;
      case TEST_UNIT_READY:
      default:
        return false;
    }
  }

  /**
   * SPC-4 5.13.3: with registrations present, RESERVE/RELEASE from a persistent reservation
   * holder, or from a registered I_T nexus under a Registrants Only / All Registrants reservation,
   * complete with GOOD and change nothing.
   */
  static boolean spc3Exempt(PrState s, ItNexus nexus) {
    Registration reg = s.find(nexus);
    if (reg == null || s.reservation() == null) {
      return false;
    }
    return s.isHolder(reg) || s.reservation().type().admitsRegistrants();
  }
}
