package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.pr.PrState.Registration;
import io.blockraft.target.scsi.pr.PrState.Reservation;
import java.io.ByteArrayOutputStream;

/**
 * SPC-4 6.15 PERSISTENT RESERVE IN parameter data, built from a {@link PrState}. The full data is
 * built; the caller truncates it to the ALLOCATION LENGTH (the length fields keep their full
 * values, SPC-4 6.15.2).
 */
public final class PrInData {
  public static final int READ_KEYS = 0x00;
  public static final int READ_RESERVATION = 0x01;
  public static final int REPORT_CAPABILITIES = 0x02;
  public static final int READ_FULL_STATUS = 0x03;

  /**
   * REPORT CAPABILITIES byte 3: ALLOW COMMANDS = 001b (TEST UNIT READY is allowed through Write
   * Exclusive and Exclusive Access reservations; no claim about the others, SPC-4 6.15.4).
   */
  static final int ALLOW_COMMANDS = 0x1;

  private PrInData() {}

  /** SPC-4 6.15.2 READ KEYS: PRGENERATION, ADDITIONAL LENGTH, one key per registration. */
  public static byte[] readKeys(PrState s) {
    int n = s.registrations().size();
    byte[] d = new byte[8 + 8 * n];
    Cdb.put32(d, 0, s.generation() & 0xffffffffL);
    Cdb.put32(d, 4, 8L * n);
    for (int i = 0; i < n; i++) {
      Cdb.put64(d, 8 + 8 * i, s.registrations().get(i).key());
    }
    return d;
  }

  /**
   * SPC-4 6.15.3 READ RESERVATION: the reservation key of the holder (zero for the all-registrants
   * types, SPC-4 6.15.3.2), scope and type.
   */
  public static byte[] readReservation(PrState s) {
    Reservation res = s.reservation();
    if (res == null) {
      byte[] d = new byte[8];
      Cdb.put32(d, 0, s.generation() & 0xffffffffL);
      return d;
    }
    byte[] d = new byte[24];
    Cdb.put32(d, 0, s.generation() & 0xffffffffL);
    Cdb.put32(d, 4, 16);
    Registration holder = s.holderRegistration();
    Cdb.put64(d, 8, holder == null ? 0 : holder.key());
    d[21] = (byte) res.type().code; // SCOPE 0h (LU_SCOPE) in bits 7..4
    return d;
  }

  /**
   * SPC-4 6.15.4 REPORT CAPABILITIES: CRH=1 (SPC-4 5.13.3 exceptions to RESERVE/RELEASE),
   * SIP_C=1 (SPEC_I_PT with iSCSI TransportIDs), ATP_C=1 (ALL_TG_PT), PTPL_C=1 (APTPL); TMV=1
   * with every type of Table 170; PTPL_A mirrors the last APTPL bit.
   */
  public static byte[] reportCapabilities(PrState s) {
    byte[] d = new byte[8];
    Cdb.put16(d, 0, 8);
    d[2] = (byte) (0x10 | 0x08 | 0x04 | 0x01);
    d[3] = (byte) (0x80 | (ALLOW_COMMANDS << 4) | (s.aptpl() ? 0x01 : 0x00));
    int mask = 0;
    for (PrType t : PrType.values()) {
      mask |= typeMaskBit(t);
    }
    Cdb.put16(d, 4, mask);
    return d;
  }

  /** PERSISTENT RESERVATION TYPE MASK bit (SPC-4 Table 175), as a 16-bit value of bytes 4..5. */
  static int typeMaskBit(PrType t) {
    switch (t) {
      case WRITE_EXCLUSIVE_ALL_REGISTRANTS:
        return 0x8000; // WR_EX_AR
      case EXCLUSIVE_ACCESS_REGISTRANTS_ONLY:
        return 0x4000; // EX_AC_RO
      case WRITE_EXCLUSIVE_REGISTRANTS_ONLY:
        return 0x2000; // WR_EX_RO
      case EXCLUSIVE_ACCESS:
        return 0x0800; // EX_AC
      case WRITE_EXCLUSIVE:
        return 0x0200; // WR_EX
      case EXCLUSIVE_ACCESS_ALL_REGISTRANTS:
        return 0x0001; // EX_AC_AR
      default:
        throw new AssertionError(t);
    }
  }

  /** SPC-4 6.15.5 READ FULL STATUS: one descriptor per registration, with its TransportID. */
  public static byte[] readFullStatus(PrState s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] header = new byte[8];
    out.writeBytes(header);
    for (Registration r : s.registrations()) {
      byte[] tid = TransportId.encode(r.registrant());
      byte[] desc = new byte[24];
      Cdb.put64(desc, 0, r.key());
      boolean holder = s.isHolder(r);
      desc[12] = (byte) ((r.registrant().allTargetPorts() ? 0x02 : 0) | (holder ? 0x01 : 0));
      if (holder) {
        desc[13] = (byte) s.reservation().type().code;
      }
      Cdb.put16(desc, 18, r.registrant().relativeTargetPort());
      Cdb.put32(desc, 20, tid.length);
      out.writeBytes(desc);
      out.writeBytes(tid);
    }
    byte[] d = out.toByteArray();
    Cdb.put32(d, 0, s.generation() & 0xffffffffL);
    Cdb.put32(d, 4, d.length - 8L);
    return d;
  }
}
