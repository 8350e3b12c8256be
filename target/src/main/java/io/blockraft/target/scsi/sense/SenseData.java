package io.blockraft.target.scsi.sense;

/**
 * SPC-4 4.5.3 fixed format sense data (response code 70h, current errors). The only place that
 * builds sense bytes.
 */
public final class SenseData {
  public static final int LENGTH = 18;

  private SenseData() {}

  public static byte[] encode(SenseReason reason) {
    return encode(reason, -1, -1, true, -1);
  }

  /**
   * SPC-4 4.5.2 descriptor format sense data (response code 72h) without descriptors, for REQUEST
   * SENSE with DESC=1.
   */
  public static byte[] encodeDescriptor(SenseReason reason) {
    byte[] s = new byte[8];
    s[0] = 0x72;
    s[1] = (byte) (reason.key & 0x0f);
    s[2] = (byte) reason.asc;
    s[3] = (byte) reason.ascq;
    return s;
  }

  public static byte[] encode(ScsiException e) {
    return encode(e.reason(), e.information(), e.fieldPointer(), e.inCdb(), e.bitPointer());
  }

  static byte[] encode(SenseReason reason, long information, int fieldPointer, boolean inCdb,
      int bitPointer) {
    byte[] s = new byte[LENGTH];
    s[0] = (byte) (information >= 0 ? 0xF0 : 0x70); // VALID bit + current error, fixed format
    s[2] = (byte) (reason.key & 0x0f);
    if (information >= 0) {
      s[3] = (byte) (information >>> 24);
      s[4] = (byte) (information >>> 16);
      s[5] = (byte) (information >>> 8);
      s[6] = (byte) information;
    }
    s[7] = (byte) (LENGTH - 8); // additional sense length
    s[12] = (byte) reason.asc;
    s[13] = (byte) reason.ascq;
    if (fieldPointer >= 0) {
      int b = 0x80; // SKSV
      if (inCdb) {
        b |= 0x40; // C/D
      }
      if (bitPointer >= 0) {
        b |= 0x08 | (bitPointer & 7); // BPV + bit pointer
      }
      s[15] = (byte) b;
      s[16] = (byte) (fieldPointer >>> 8);
      s[17] = (byte) fieldPointer;
    }
    return s;
  }
}
