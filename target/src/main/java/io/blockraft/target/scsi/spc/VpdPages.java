package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.dispatch.Cdb;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Vital product data pages (SPC-4 7.8, SBC-4 6.6): 00h supported pages, 80h unit serial number,
 * 83h device identification, B0h block limits, B1h block device characteristics, B2h logical
 * block provisioning. Identifiers derive from the volume uuid only, so they are the same on
 * every node and every target port.
 */
final class VpdPages {
  static final int SUPPORTED = 0x00;
  static final int UNIT_SERIAL = 0x80;
  static final int DEVICE_IDENTIFICATION = 0x83;
  static final int BLOCK_LIMITS = 0xB0;
  static final int BLOCK_DEVICE_CHARACTERISTICS = 0xB1;
  static final int LOGICAL_BLOCK_PROVISIONING = 0xB2;
  /** Ascending, as SPC-4 7.8.16 requires. */
  static final int[] PAGES = {SUPPORTED, UNIT_SERIAL, DEVICE_IDENTIFICATION, BLOCK_LIMITS,
      BLOCK_DEVICE_CHARACTERISTICS, LOGICAL_BLOCK_PROVISIONING};

  static final int PROTOCOL_ISCSI = 5;
  private static final int CODE_SET_BINARY = 1;
  private static final int CODE_SET_ASCII = 2;
  private static final int CODE_SET_UTF8 = 3;
  private static final int ASSOC_LU = 0;
  private static final int ASSOC_TARGET_PORT = 1;
  private static final int ASSOC_TARGET_DEVICE = 2;

  private VpdPages() {}

  /** The page, or null when it is not supported. */
  static byte[] page(int code, LogicalUnit lu, ItNexus nexus, ScsiTarget target) {
    return switch (code) {
      case SUPPORTED -> supported();
      case UNIT_SERIAL -> unitSerial(lu);
      case DEVICE_IDENTIFICATION -> deviceIdentification(lu, nexus, target);
      case BLOCK_LIMITS -> blockLimits(lu);
      case BLOCK_DEVICE_CHARACTERISTICS -> blockDeviceCharacteristics();
      case LOGICAL_BLOCK_PROVISIONING -> logicalBlockProvisioning();
      default -> null;
    };
  }

  private static byte[] header(int code, int pageLength) {
    byte[] d = new byte[4 + pageLength];
    d[0] = Inquiry.DIRECT_ACCESS;
    d[1] = (byte) code;
    Cdb.put16(d, 2, pageLength);
    return d;
  }

  /** SPC-4 7.8.16 Supported VPD Pages. */
  static byte[] supported() {
    byte[] d = header(SUPPORTED, PAGES.length);
    for (int i = 0; i < PAGES.length; i++) {
      d[4 + i] = (byte) PAGES[i];
    }
    return d;
  }

  /** The unit serial number: lower-case hex of the volume uuid. */
  static String serial(LogicalUnit lu) {
    return HexFormat.of().formatHex(lu.volume().uuid());
  }

  /** SPC-4 7.8.18 Unit Serial Number. */
  static byte[] unitSerial(LogicalUnit lu) {
    byte[] s = serial(lu).getBytes(StandardCharsets.US_ASCII);
    byte[] d = header(UNIT_SERIAL, s.length);
    System.arraycopy(s, 0, d, 4, s.length);
    return d;
  }

  /**
   * NAA Locally Assigned designator (SPC-4 7.8.6.6.3, NAA 3h): 60 bits of the volume's random
   * uuid. Locally assigned, because blockraft has no IEEE company id: the registered formats
   * (NAA 5h/6h) would need one, and a made-up one could collide with a real vendor's designators
   * in the same SAN. 60 random bits keep LUs apart across clusters.
   */
  static byte[] naa(LogicalUnit lu) {
    byte[] u = lu.volume().uuid();
    byte[] n = new byte[8];
    n[0] = (byte) (0x30 | (u[0] & 0x0f));
    System.arraycopy(u, 1, n, 1, 7);
    return n;
  }

  /** SPC-4 7.8.6 Device Identification. */
  static byte[] deviceIdentification(LogicalUnit lu, ItNexus nexus, ScsiTarget target) {
    ByteArrayOutputStream ds = new ByteArrayOutputStream();
    // logical unit: NAA (type 3) and T10 vendor id (type 1)
    designator(ds, 0, CODE_SET_BINARY, false, ASSOC_LU, 3, naa(lu));
    byte[] t10 = new byte[8 + 32];
    Inquiry.ascii(t10, 0, 8, Inquiry.VENDOR);
    Inquiry.ascii(t10, 8, 32, serial(lu));
    designator(ds, 0, CODE_SET_ASCII, false, ASSOC_LU, 1, t10);
    // target port: relative target port (type 4), target port group (type 5), SCSI name (type 8)
    byte[] rtp = new byte[4];
    Cdb.put16(rtp, 2, nexus.relativeTargetPortId());
    designator(ds, PROTOCOL_ISCSI, CODE_SET_BINARY, true, ASSOC_TARGET_PORT, 4, rtp);
    byte[] tpg = new byte[4];
    Cdb.put16(tpg, 2, nexus.targetPortGroup());
    designator(ds, PROTOCOL_ISCSI, CODE_SET_BINARY, true, ASSOC_TARGET_PORT, 5, tpg);
    designator(ds, PROTOCOL_ISCSI, CODE_SET_UTF8, true, ASSOC_TARGET_PORT, 8,
        scsiName(nexus.targetPortName()));
    // target device: SCSI name string (type 8) of the iSCSI target
    designator(ds, PROTOCOL_ISCSI, CODE_SET_UTF8, true, ASSOC_TARGET_DEVICE, 8,
        scsiName(target == null ? nexus.targetName() : target.name()));
    byte[] body = ds.toByteArray();
    byte[] d = header(DEVICE_IDENTIFICATION, body.length);
    System.arraycopy(body, 0, d, 4, body.length);
    return d;
  }

  /** SPC-4 7.8.6.6.11: null-terminated UTF-8, padded with nulls to a multiple of 4 bytes. */
  static byte[] scsiName(String name) {
    byte[] s = name.getBytes(StandardCharsets.UTF_8);
    int len = (s.length + 1 + 3) & ~3;
    byte[] out = new byte[Math.min(len, 256)];
    System.arraycopy(s, 0, out, 0, Math.min(s.length, out.length - 1));
    return out;
  }

  private static void designator(ByteArrayOutputStream out, int protocol, int codeSet,
      boolean piv, int association, int type, byte[] value) {
    out.write((protocol << 4) | codeSet);
    out.write((piv ? 0x80 : 0) | (association << 4) | type);
    out.write(0);
    out.write(value.length);
    out.writeBytes(value);
  }

  /** SBC-4 6.6.4 Block Limits (page length 3Ch). */
  static byte[] blockLimits(LogicalUnit lu) {
    int lbs = lu.volume().logicalBlockSize();
    byte[] d = header(BLOCK_LIMITS, 0x3C);
    d[4] = (byte) (BlockLimits.WRITE_SAME_NON_ZERO ? 1 : 0);
    d[5] = (byte) BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS;
    Cdb.put16(d, 6, BlockLimits.physicalBlockBlocks(lbs)); // OPTIMAL TRANSFER LENGTH GRANULARITY
    Cdb.put32(d, 8, BlockLimits.maxTransferBlocks(lbs));
    Cdb.put32(d, 12, BlockLimits.optimalTransferBlocks(lbs));
    Cdb.put32(d, 16, BlockLimits.maxTransferBlocks(lbs)); // MAXIMUM PREFETCH LENGTH
    Cdb.put32(d, 20, BlockLimits.MAX_UNMAP_LBA_COUNT);
    Cdb.put32(d, 24, BlockLimits.MAX_UNMAP_DESCRIPTORS);
    Cdb.put32(d, 28, BlockLimits.physicalBlockBlocks(lbs)); // OPTIMAL UNMAP GRANULARITY
    Cdb.put32(d, 32, 0x8000_0000L); // UGAVALID, UNMAP GRANULARITY ALIGNMENT 0
    Cdb.put64(d, 36, BlockLimits.maxWriteSameBlocks(lbs));
    Cdb.put32(d, 44, BlockLimits.maxAtomicTransferBlocks(lbs));
    Cdb.put32(d, 48, BlockLimits.ATOMIC_ALIGNMENT);
    Cdb.put32(d, 52, BlockLimits.ATOMIC_GRANULARITY);
    // 56..63: MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY, MAXIMUM ATOMIC BOUNDARY SIZE: 0
    return d;
  }

  /** SBC-4 6.6.2 Block Device Characteristics (page length 3Ch): non-rotating medium. */
  static byte[] blockDeviceCharacteristics() {
    byte[] d = header(BLOCK_DEVICE_CHARACTERISTICS, 0x3C);
    Cdb.put16(d, 4, 1); // MEDIUM ROTATION RATE 0001h: non-rotating (solid state)
    // WABEREQ 01b: after a SANITIZE BLOCK ERASE, reads complete with GOOD and return zeros (the
    // erased units are deallocated, and deallocated blocks read as zeros: LBPRZ)
    d[7] = (byte) 0x40;
    return d;
  }

  /** SBC-4 6.6.6 Logical Block Provisioning (page length 4): thin provisioned, UNMAP and WRITE SAME. */
  static byte[] logicalBlockProvisioning() {
    byte[] d = header(LOGICAL_BLOCK_PROVISIONING, 4);
    d[4] = 0; // THRESHOLD EXPONENT: no thresholds
    d[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04); // LBPU, LBPWS, LBPWS10, LBPRZ 001b
    d[6] = 0x02; // PROVISIONING TYPE 010b: thin
    return d;
  }
}
