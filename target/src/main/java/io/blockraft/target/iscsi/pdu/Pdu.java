package io.blockraft.target.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One iSCSI PDU (RFC 7143 11.2): the 48-byte Basic Header Segment, optional Additional Header
 * Segments, and the data segment. Digests are the codec's business and never appear here.
 *
 * <p>The BHS is a plain byte array with typed accessors for the fields every PDU shares
 * (11.2.1) and raw accessors for opcode-specific fields. The data segment is a reference-counted
 * buffer; releasing the PDU releases it. A PDU built for sending is not touched after it is
 * written.
 */
public final class Pdu extends AbstractReferenceCounted {
  public static final int BHS_LENGTH = 48;

  private final byte[] bhs;
  private final byte[] ahs;
  private final ByteBuf data;

  /** Wraps a received PDU. {@code bhs} must be 48 bytes; {@code data} may be empty, not null. */
  public Pdu(byte[] bhs, byte[] ahs, ByteBuf data) {
    if (bhs.length != BHS_LENGTH) {
      throw new IllegalArgumentException("BHS must be 48 bytes");
    }
    this.bhs = bhs;
    this.ahs = ahs == null ? new byte[0] : ahs;
    this.data = data == null ? Unpooled.EMPTY_BUFFER : data;
    // keep header length fields consistent with what we carry
    bhs[4] = (byte) (this.ahs.length / 4);
    setDataSegmentLength(this.data.readableBytes());
  }

  /** A new outgoing PDU with the given opcode and data (may be null). */
  public static Pdu create(int opcode, ByteBuf data) {
    byte[] b = new byte[BHS_LENGTH];
    b[0] = (byte) (opcode & 0x3f);
    return new Pdu(b, null, data);
  }

  // ---- common fields (RFC 7143 11.2.1) ----

  public int opcode() {
    return bhs[0] & 0x3f;
  }

  /** The I (immediate delivery) bit, byte 0 bit 6. */
  public boolean immediate() {
    return (bhs[0] & 0x40) != 0;
  }

  public Pdu setImmediate(boolean on) {
    bhs[0] = (byte) (on ? bhs[0] | 0x40 : bhs[0] & ~0x40);
    return this;
  }

  /** Byte 1, opcode-specific flags (F bit is 0x80). */
  public int flags() {
    return bhs[1] & 0xff;
  }

  public Pdu setFlags(int flags) {
    bhs[1] = (byte) flags;
    return this;
  }

  public boolean finalBit() {
    return (bhs[1] & 0x80) != 0;
  }

  public int totalAhsLength() {
    return (bhs[4] & 0xff) * 4;
  }

  public int dataSegmentLength() {
    return ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
  }

  private void setDataSegmentLength(int len) {
    bhs[5] = (byte) (len >>> 16);
    bhs[6] = (byte) (len >>> 8);
    bhs[7] = (byte) len;
  }

  /** Bytes 8..15: LUN, or opcode-specific. */
  public long lun() {
    return u64(8);
  }

  public Pdu setLun(long lun) {
    return put64(8, lun);
  }

  /** Bytes 16..19: Initiator Task Tag. */
  public int itt() {
    return (int) u32(16);
  }

  public Pdu setItt(int itt) {
    return put32(16, itt);
  }

  // ---- raw field access for opcode-specific fields ----

  public int u8(int off) {
    return bhs[off] & 0xff;
  }

  public int u16(int off) {
    return ((bhs[off] & 0xff) << 8) | (bhs[off + 1] & 0xff);
  }

  public long u32(int off) {
    return ((long) (bhs[off] & 0xff) << 24) | ((bhs[off + 1] & 0xff) << 16)
        | ((bhs[off + 2] & 0xff) << 8) | (bhs[off + 3] & 0xff);
  }

  /** A 32-bit field as a Java int (sequence numbers, tags, lengths &lt; 2^31). */
  public int i32(int off) {
    return (int) u32(off);
  }

  public long u64(int off) {
    return (u32(off) << 32) | u32(off + 4);
  }

  public Pdu put8(int off, int v) {
    bhs[off] = (byte) v;
    return this;
  }

  public Pdu put16(int off, int v) {
    bhs[off] = (byte) (v >>> 8);
    bhs[off + 1] = (byte) v;
    return this;
  }

  public Pdu put32(int off, long v) {
    bhs[off] = (byte) (v >>> 24);
    bhs[off + 1] = (byte) (v >>> 16);
    bhs[off + 2] = (byte) (v >>> 8);
    bhs[off + 3] = (byte) v;
    return this;
  }

  public Pdu put64(int off, long v) {
    put32(off, v >>> 32);
    return put32(off + 4, v);
  }

  /** Copies {@code src} into the BHS at {@code off} (e.g. ISID, CDB). */
  public Pdu putBytes(int off, byte[] src) {
    System.arraycopy(src, 0, bhs, off, src.length);
    return this;
  }

  public byte[] bytes(int off, int len) {
    byte[] out = new byte[len];
    System.arraycopy(bhs, off, out, 0, len);
    return out;
  }

  /** The BHS itself (not a copy): for the encoder and for digests. */
  public byte[] bhs() {
    return bhs;
  }

  public byte[] ahs() {
    return ahs;
  }

  /** The data segment (without padding). Not retained for the caller. */
  public ByteBuf data() {
    return data;
  }

  @Override
  protected void deallocate() {
    data.release();
  }

  @Override
  public ReferenceCounted touch(Object hint) {
    data.touch(hint);
    return this;
  }

  @Override
  public String toString() {
    return String.format("Pdu[op=0x%02x flags=0x%02x itt=0x%08x dlen=%d]", opcode(), flags(), itt(),
        dataSegmentLength());
  }
}
