package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.ScsiHarness;
import java.util.Arrays;

/** CDB builders for the SBC tests (big-endian fields as SBC-4 lays them out). */
final class Cdbs {
  private Cdbs() {}

  static byte[] cdb10(int op, int byte1, long lba, int blocks) {
    byte[] c = new byte[10];
    c[0] = (byte) op;
    c[1] = (byte) byte1;
    put(c, 2, lba, 4);
    put(c, 7, blocks, 2);
    return c;
  }

  static byte[] cdb12(int op, int byte1, long lba, long blocks) {
    byte[] c = new byte[12];
    c[0] = (byte) op;
    c[1] = (byte) byte1;
    put(c, 2, lba, 4);
    put(c, 6, blocks, 4);
    return c;
  }

  static byte[] cdb16(int op, int byte1, long lba, long blocks) {
    byte[] c = new byte[16];
    c[0] = (byte) op;
    c[1] = (byte) byte1;
    put(c, 2, lba, 8);
    put(c, 10, blocks, 4);
    return c;
  }

  static byte[] read6(int lba, int blocks) {
    return ScsiHarness.cdb(0x08, (lba >>> 16) & 0x1f, (lba >>> 8) & 0xff, lba & 0xff, blocks & 0xff, 0);
  }

  static byte[] write6(int lba, int blocks) {
    byte[] c = read6(lba, blocks);
    c[0] = 0x0a;
    return c;
  }

  static byte[] compareAndWrite(long lba, int blocks) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x89;
    put(c, 2, lba, 8);
    c[13] = (byte) blocks;
    return c;
  }

  static byte[] writeAtomic16(long lba, int blocks) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x9c;
    put(c, 2, lba, 8);
    put(c, 12, blocks, 2);
    return c;
  }

  static byte[] serviceActionIn16(int sa, long lba, long allocLen) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x9e;
    c[1] = (byte) sa;
    put(c, 2, lba, 8);
    put(c, 10, allocLen, 4);
    return c;
  }

  static byte[] unmap(int byte1, int paramLen) {
    byte[] c = new byte[10];
    c[0] = 0x42;
    c[1] = (byte) byte1;
    put(c, 7, paramLen, 2);
    return c;
  }

  /** UNMAP parameter list with (lba, blocks) pairs. */
  static byte[] unmapList(long... lbaAndCount) {
    int n = lbaAndCount.length / 2;
    byte[] p = new byte[8 + 16 * n];
    put(p, 0, p.length - 2, 2);
    put(p, 2, 16 * n, 2);
    for (int i = 0; i < n; i++) {
      put(p, 8 + 16 * i, lbaAndCount[2 * i], 8);
      put(p, 8 + 16 * i + 8, lbaAndCount[2 * i + 1], 4);
    }
    return p;
  }

  static byte[] sanitize(int byte1, int paramLen) {
    byte[] c = new byte[10];
    c[0] = 0x48;
    c[1] = (byte) byte1;
    put(c, 7, paramLen, 2);
    return c;
  }

  static byte[] filled(int len, int value) {
    byte[] b = new byte[len];
    Arrays.fill(b, (byte) value);
    return b;
  }

  /** The INFORMATION field of fixed-format sense (bytes 3..6), -1 when VALID is clear. */
  static long information(byte[] sense) {
    if ((sense[0] & 0x80) == 0) {
      return -1;
    }
    return ((sense[3] & 0xffL) << 24) | ((sense[4] & 0xff) << 16) | ((sense[5] & 0xff) << 8) | (sense[6] & 0xff);
  }

  static void put(byte[] b, int off, long v, int len) {
    for (int i = len - 1; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }
}
