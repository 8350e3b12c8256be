package io.blockraft.target.scsi.alua;

/** SPC-4 6.37 Table 168 asymmetric access states, with their support bits in the RTPG descriptor. */
public enum AccessState {
  ACTIVE_OPTIMIZED(0x0, 0x01),
  ACTIVE_NON_OPTIMIZED(0x1, 0x02),
  STANDBY(0x2, 0x04),
  UNAVAILABLE(0x3, 0x08),
  LOGICAL_BLOCK_DEPENDENT(0x4, 0x10),
  OFFLINE(0xE, 0x40),
  TRANSITIONING(0xF, 0x80);

  /** The ASYMMETRIC ACCESS STATE field value. */
  public final int code;
  /** The matching *_SUP bit of byte 1 of a target port group descriptor. */
  public final int supportBit;

  AccessState(int code, int supportBit) {
    this.code = code;
    this.supportBit = supportBit;
  }
}
