package io.blockraft.target.scsi;

/**
 * SAM-5 4.7 LUN encoding. We use peripheral device addressing for LUNs 0..255 and flat space
 * addressing for 256..16383; REPORT LUNS returns the same encoding.
 */
public final class Lun {
  /** SAM-5 4.7.6 well-known LUN REPORT LUNS. */
  public static final long WLUN_REPORT_LUNS = 0xC101_0000_0000_0000L;

  private Lun() {}

  /** Encodes a LUN number as the 8-byte field. */
  public static long encode(int lun) {
    if (lun < 256) {
      return ((long) lun) << 48;
    }
    return ((long) (0x4000 | (lun & 0x3fff))) << 48;
  }

  /** Decodes the 8-byte field to a LUN number, or -1 when it is not one we address (well-known, bad). */
  public static int decode(long field) {
    int first = (int) (field >>> 48) & 0xffff;
    long rest = field & 0x0000_ffff_ffff_ffffL;
    if (rest != 0) {
      return -1;
    }
    int method = first >>> 14;
    if (method == 0) {
      return (first >>> 8) == 0 ? first & 0xff : -1;
    }
    if (method == 1) {
      return first & 0x3fff;
    }
    return -1;
  }

  /**
   * Whether two LUN fields address the same LU: LUN 5 is 0x0005... (peripheral device addressing)
   * or 0x4005... (flat space addressing), SAM-5 4.7, and initiators differ in which they use.
   */
  public static boolean sameLu(long a, long b) {
    if (a == b) {
      return true;
    }
    int la = decode(a);
    return la >= 0 && la == decode(b);
  }

  public static boolean isWellKnown(long field) {
    return (field >>> 56) == 0xC1;
  }
}
