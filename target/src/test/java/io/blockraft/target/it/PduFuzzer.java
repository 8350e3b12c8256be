package io.blockraft.target.it;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Seeded generator of iSCSI PDUs for the portal fuzz test (RFC 7143 11: BHS of 48 bytes, AHS,
 * data segment padded to 4 bytes): valid templates (Login Request, SCSI Command, NOP-Out, Text,
 * Task Management, Data-Out, SNACK, Logout), then mutated — bits flipped, length fields
 * randomised (so the stream misframes), truncated, replaced with garbage, oversized.
 * Pure: the same seed gives the same bytes.
 */
final class PduFuzzer {
  /** Mutation kinds, counted by the test for its report. */
  enum Kind { VALID, FIELD_FLIPS, BIT_FLIPS, HEADER_FLIPS, LENGTHS, OPCODE, TRUNCATED, GARBAGE, OVERSIZE }

  private final Random random;
  private final String target;
  private int cmdSn = 1;
  private int itt = 1;
  private Kind lastKind = Kind.VALID;

  PduFuzzer(long seed, String target) {
    this.random = new Random(seed);
    this.target = target;
  }

  Random random() {
    return random;
  }

  Kind lastKind() {
    return lastKind;
  }

  /** Continue the CmdSN sequence a real login left at {@code next}. */
  void cmdSn(int next) {
    cmdSn = next;
  }

  /**
   * Next fuzz PDU: mostly login templates before login, full-feature ones after. {@code framed}
   * mutations keep the opcode and the length fields, so the stream stays framed and the target
   * answers each PDU (Reject, CHECK CONDITION, ...) rather than dropping the connection.
   */
  byte[] next(boolean loggedIn, boolean framed) {
    byte[] pdu = loggedIn && random.nextInt(10) != 0 ? ffpTemplate() : loginTemplate();
    return framed ? mutateFields(pdu) : mutate(pdu);
  }

  /** Flips bits anywhere but the opcode (byte 0) and the length fields (bytes 4-7). */
  byte[] mutateFields(byte[] pdu) {
    if (random.nextInt(4) == 0) {
      lastKind = Kind.VALID;
      return pdu;
    }
    lastKind = Kind.FIELD_FLIPS;
    for (int i = 1 + random.nextInt(8); i > 0; i--) {
      int bit = random.nextInt(pdu.length * 8);
      int at = bit >>> 3;
      if (at != 0 && (at < 4 || at > 7)) {
        pdu[at] ^= (byte) (1 << (bit & 7));
      }
    }
    return pdu;
  }

  byte[] mutate(byte[] pdu) {
    int roll = random.nextInt(100);
    if (roll < 20) {
      lastKind = Kind.VALID;
      return pdu;
    }
    if (roll < 40) {
      lastKind = Kind.HEADER_FLIPS;
      flip(pdu, 48, 1 + random.nextInt(6));
      return pdu;
    }
    if (roll < 50) {
      lastKind = Kind.BIT_FLIPS;
      flip(pdu, pdu.length, 1 + random.nextInt(16));
      return pdu;
    }
    if (roll < 65) {
      lastKind = Kind.LENGTHS;
      if (random.nextBoolean()) {
        pdu[4] = (byte) random.nextInt(256); // TotalAHSLength in words
      }
      int dsl = switch (random.nextInt(4)) {
        case 0 -> random.nextInt(1 << 24);
        case 1 -> 0xffffff;
        case 2 -> random.nextInt(8192);
        default -> random.nextInt(64);
      };
      pdu[5] = (byte) (dsl >>> 16);
      pdu[6] = (byte) (dsl >>> 8);
      pdu[7] = (byte) dsl;
      return pdu;
    }
    if (roll < 75) {
      lastKind = Kind.OPCODE;
      pdu[0] = (byte) random.nextInt(256);
      return pdu;
    }
    if (roll < 85) {
      lastKind = Kind.TRUNCATED;
      return Arrays.copyOf(pdu, 1 + random.nextInt(pdu.length - 1));
    }
    if (roll < 97) {
      lastKind = Kind.GARBAGE;
      byte[] g = new byte[1 + random.nextInt(random.nextBoolean() ? 64 : 1024)];
      random.nextBytes(g);
      return g;
    }
    lastKind = Kind.OVERSIZE;
    // a data segment larger than any MaxRecvDataSegmentLength the target declares, really sent
    byte[] big = new byte[48 + 300 * 1024];
    System.arraycopy(pdu, 0, big, 0, 48);
    int dsl = big.length - 48;
    big[4] = 0;
    big[5] = (byte) (dsl >>> 16);
    big[6] = (byte) (dsl >>> 8);
    big[7] = (byte) dsl;
    return big;
  }

  private void flip(byte[] b, int limit, int bits) {
    for (int i = 0; i < bits; i++) {
      int bit = random.nextInt(Math.min(limit, b.length) * 8);
      b[bit >>> 3] ^= (byte) (1 << (bit & 7));
    }
  }

  /** RFC 7143 11.12 Login Request, valid, security stage (sometimes straight to FFP). */
  byte[] loginTemplate() {
    byte[] bhs = new byte[48];
    bhs[0] = 0x43;
    int csg = random.nextInt(4) == 0 ? 1 : 0;
    int nsg = random.nextBoolean() ? 3 : 1;
    bhs[1] = (byte) ((random.nextInt(5) != 0 ? 0x80 : 0) | csg << 2 | nsg);
    bhs[3] = 0; // VersionMin
    byte[] isid = {(byte) 0x80, 0, 0, 0, (byte) random.nextInt(256), (byte) random.nextInt(256)};
    System.arraycopy(isid, 0, bhs, 8, 6);
    ByteBuffer.wrap(bhs).putInt(16, itt++).putShort(20, (short) 0).putInt(24, cmdSn)
        .putInt(28, 0);
    String keys = switch (random.nextInt(4)) {
      case 0 -> "InitiatorName=" + LoopbackInitiator.NAME + "\0SessionType=Discovery\0AuthMethod=None\0";
      case 1 -> "InitiatorName=" + LoopbackInitiator.NAME + "\0TargetName=" + target
          + "\0SessionType=Normal\0AuthMethod=CHAP,None\0";
      case 2 -> "InitiatorName=" + LoopbackInitiator.NAME + "\0TargetName=" + target
          + "\0AuthMethod=None\0HeaderDigest=CRC32C,None\0DataDigest=None\0MaxRecvDataSegmentLength="
          + (512 + random.nextInt(1 << 24)) + "\0MaxBurstLength=" + random.nextInt() + "\0";
      default -> "InitiatorName=" + LoopbackInitiator.NAME + "\0TargetName=" + target
          + "\0SessionType=Normal\0AuthMethod=None\0X-Unknown=" + "x".repeat(random.nextInt(300)) + "\0";
    };
    return frame(bhs, keys.getBytes(StandardCharsets.UTF_8));
  }

  /** A full-feature-phase PDU, valid as far as its template goes. */
  byte[] ffpTemplate() {
    byte[] bhs = new byte[48];
    ByteBuffer b = ByteBuffer.wrap(bhs);
    byte[] data = new byte[0];
    int lun = random.nextInt(8) == 0 ? random.nextInt(4) : 0;
    switch (random.nextInt(9)) {
      case 0, 1, 2, 3 -> { // SCSI Command (11.3)
        byte[] cdb = cdb();
        boolean write = cdb[0] == 0x2a;
        bhs[0] = (byte) (0x01 | (random.nextInt(4) == 0 ? 0x40 : 0));
        bhs[1] = (byte) (0x80 | (write ? 0x20 : 0x40) | random.nextInt(5));
        bhs[9] = (byte) lun;
        int edtl = write ? 512 : 4096;
        b.putInt(16, itt++).putInt(20, edtl).putInt(24, cmdSn++).putInt(28, 0);
        System.arraycopy(cdb, 0, bhs, 32, 16);
        if (write) {
          data = new byte[random.nextInt(3) == 0 ? random.nextInt(600) : 512];
          random.nextBytes(data);
        }
      }
      case 4 -> { // NOP-Out (11.18), ping with data
        bhs[0] = 0x40 | 0x40;
        bhs[1] = (byte) 0x80;
        b.putInt(16, random.nextInt(8) == 0 ? -1 : itt++).putInt(20, -1).putInt(24, cmdSn)
            .putInt(28, 0);
        data = new byte[random.nextInt(128)];
        random.nextBytes(data);
      }
      case 5 -> { // Text (11.10)
        bhs[0] = 0x04;
        bhs[1] = (byte) (random.nextBoolean() ? 0x80 : 0x40);
        b.putInt(16, itt++).putInt(20, -1).putInt(24, cmdSn++).putInt(28, 0);
        data = (random.nextBoolean() ? "SendTargets=All\0" : "MaxRecvDataSegmentLength=8192\0X-a=b\0")
            .getBytes(StandardCharsets.UTF_8);
      }
      case 6 -> { // Task Management (11.5)
        bhs[0] = 0x02 | 0x40;
        bhs[1] = (byte) (0x80 | (1 + random.nextInt(8)));
        bhs[9] = (byte) lun;
        b.putInt(16, itt++).putInt(20, random.nextInt(itt + 1)).putInt(24, cmdSn).putInt(28, 0);
      }
      case 7 -> { // Data-Out (11.7) for a transfer that may or may not exist
        bhs[0] = 0x05;
        bhs[1] = (byte) (random.nextBoolean() ? 0x80 : 0);
        b.putInt(16, random.nextInt(itt + 1)).putInt(20, random.nextInt(4) == 0 ? -1 : random.nextInt())
            .putInt(28, 0).putInt(36, random.nextInt(4)).putInt(40, 512 * random.nextInt(4));
        data = new byte[512];
        random.nextBytes(data);
      }
      default -> { // SNACK (11.16) or, rarely, Logout (11.14)
        if (random.nextInt(10) == 0) {
          bhs[0] = 0x06;
          bhs[1] = (byte) (0x80 | random.nextInt(3));
          b.putInt(16, itt++).putInt(24, cmdSn++).putInt(28, 0);
        } else {
          bhs[0] = 0x10;
          bhs[1] = (byte) (0x80 | random.nextInt(4));
          b.putInt(16, random.nextInt(itt + 1)).putInt(20, -1).putInt(40, random.nextInt(8))
              .putInt(44, random.nextInt(8));
        }
      }
    }
    return frame(bhs, data);
  }

  private byte[] cdb() {
    byte[] c = new byte[16];
    switch (random.nextInt(7)) {
      case 0 -> { // INQUIRY, sometimes a VPD page
        c[0] = 0x12;
        if (random.nextBoolean()) {
          c[1] = 1;
          c[2] = (byte) new int[] {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2, 0x42}[random.nextInt(7)];
        }
        c[4] = (byte) 96;
      }
      case 1 -> { // READ(10) of up to 8 blocks
        c[0] = 0x28;
        ByteBuffer.wrap(c).putInt(2, random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(1 << 16))
            .putShort(7, (short) (1 + random.nextInt(8)));
      }
      case 2 -> { // WRITE(10) of one block
        c[0] = 0x2a;
        ByteBuffer.wrap(c).putInt(2, random.nextInt(1 << 16)).putShort(7, (short) 1);
      }
      case 3 -> c[0] = 0x00; // TEST UNIT READY
      case 4 -> { // REPORT LUNS
        c[0] = (byte) 0xa0;
        ByteBuffer.wrap(c).putInt(6, 4096);
      }
      case 5 -> c[0] = 0x25; // READ CAPACITY(10)
      default -> random.nextBytes(c);
    }
    return c;
  }

  /** BHS + data segment (length in the BHS) + padding to 4 bytes. */
  static byte[] frame(byte[] bhs, byte[] data) {
    int len = data.length;
    bhs[4] = 0;
    bhs[5] = (byte) (len >>> 16);
    bhs[6] = (byte) (len >>> 8);
    bhs[7] = (byte) len;
    ByteArrayOutputStream out = new ByteArrayOutputStream(48 + len + 3);
    out.writeBytes(bhs);
    out.writeBytes(data);
    out.writeBytes(new byte[((len + 3) & ~3) - len]);
    return out.toByteArray();
  }
}
