package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.spc.LuIdentity;
import java.io.ByteArrayOutputStream;

/** Builds EXTENDED COPY parameter lists and CDBs the way libiscsi's iscsi-support.c lays them out. */
final class XcopyLists {
  private final ByteArrayOutputStream cscds = new ByteArrayOutputStream();
  private final ByteArrayOutputStream segments = new ByteArrayOutputStream();
  private int listId = 1;
  private int usage = XcopyParameterList.USAGE_DISCARD;
  private long inline;

  static XcopyLists list() {
    return new XcopyLists();
  }

  XcopyLists listId(int id, int listIdUsage) {
    this.listId = id;
    this.usage = listIdUsage;
    return this;
  }

  XcopyLists inline(long length) {
    this.inline = length;
    return this;
  }

  /** An Identification descriptor (E4h) naming {@code lu} by its NAA designator. */
  XcopyLists target(LogicalUnit lu) {
    return target(0xE4, 0, LuIdentity.naa(lu), lu.volume().logicalBlockSize());
  }

  XcopyLists target(int type, int byte1, byte[] naa, int blockSize) {
    byte[] d = new byte[32];
    d[0] = (byte) type;
    d[1] = (byte) byte1;
    d[4] = 0x01; // binary
    d[5] = 0x03; // LU association, NAA
    d[7] = (byte) naa.length;
    System.arraycopy(naa, 0, d, 8, naa.length);
    d[29] = (byte) (blockSize >>> 16);
    d[30] = (byte) (blockSize >>> 8);
    d[31] = (byte) blockSize;
    cscds.writeBytes(d);
    return this;
  }

  /** A block to block segment descriptor (02h). */
  XcopyLists segment(int src, int dst, int blocks, long srcLba, long dstLba) {
    byte[] d = new byte[28];
    d[0] = 0x02;
    Cdb.put16(d, 2, 0x18);
    Cdb.put16(d, 4, src);
    Cdb.put16(d, 6, dst);
    Cdb.put16(d, 10, blocks);
    Cdb.put64(d, 12, srcLba);
    Cdb.put64(d, 20, dstLba);
    segments.writeBytes(d);
    return this;
  }

  /** A segment descriptor header of another type (as populate_seg_desc_hdr writes it). */
  XcopyLists segmentHeader(int type, int length) {
    byte[] d = new byte[length];
    d[0] = (byte) type;
    Cdb.put16(d, 2, length - 4);
    segments.writeBytes(d);
    return this;
  }

  byte[] build() {
    byte[] t = cscds.toByteArray();
    byte[] s = segments.toByteArray();
    byte[] p = new byte[16 + t.length + s.length];
    p[0] = (byte) listId;
    p[1] = (byte) (usage << 3);
    Cdb.put16(p, 2, t.length);
    Cdb.put32(p, 8, s.length);
    Cdb.put32(p, 12, inline);
    System.arraycopy(t, 0, p, 16, t.length);
    System.arraycopy(s, 0, p, 16 + t.length, s.length);
    return p;
  }

  static byte[] extendedCopyCdb(long parameterListLength) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x83;
    Cdb.put32(c, 10, parameterListLength);
    return c;
  }

  static byte[] receiveCopyResultsCdb(int serviceAction, int listId, int allocationLength) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x84;
    c[1] = (byte) serviceAction;
    c[2] = (byte) listId;
    Cdb.put32(c, 10, allocationLength);
    return c;
  }
}
