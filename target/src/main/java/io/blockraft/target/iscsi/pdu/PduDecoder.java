package io.blockraft.target.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * RFC 7143 11.2 PDU framing, receive side: BHS (48 bytes), AHS (TotalAHSLength words, 11.2.1.4),
 * optional header digest, data segment padded to 4 bytes (11.2.1.5, 11.2.3), optional data digest
 * (only when the data segment is not empty). Digests are CRC32C (11.1, Appendix B.4).
 *
 * <p>Emits {@link Pdu} or {@link PduError}. Every length is checked before anything is
 * allocated: a data segment longer than the negotiated MaxRecvDataSegmentLength is not buffered
 * but skipped in place as it arrives ({@link PduError.Kind#PROTOCOL}); a header digest error makes
 * framing untrustworthy ({@link PduError.Kind#FATAL}) and all later input is discarded. The data
 * segment of an accepted PDU is a retained slice of the cumulation, not a copy.
 *
 * <p>States: HEADER (waiting for BHS+AHS+digest), DATA (header valid, waiting for the whole data
 * segment; nothing consumed yet), DISCARD (skipping the rest of a rejected PDU), FAILED.
 */
public final class PduDecoder extends ByteToMessageDecoder {
  /** Longest TotalAHSLength accepted: an extended CDB AHS (260-byte CDB) plus a bidi AHS fit. */
  public static final int MAX_TOTAL_AHS_LENGTH = 512;
  /** RFC 7143 13.12: MaxRecvDataSegmentLength is 512..2^24-1. */
  public static final int MAX_DATA_SEGMENT_LENGTH = (1 << 24) - 1;

  private static final int DIGEST = 4;

  private volatile int maxRecvDataSegmentLength;
  private volatile boolean headerDigest;
  private volatile boolean dataDigest;

  /** Bytes of a rejected PDU still to be skipped. */
  private long discardRemaining;
  private boolean failed;

  public PduDecoder(int maxRecvDataSegmentLength) {
    setMaxRecvDataSegmentLength(maxRecvDataSegmentLength);
  }

  /** The largest data segment accepted from now on (what we declared, RFC 7143 13.12). */
  public void setMaxRecvDataSegmentLength(int max) {
    if (max < 0 || max > MAX_DATA_SEGMENT_LENGTH) {
      throw new IllegalArgumentException("MaxRecvDataSegmentLength out of range: " + max);
    }
    this.maxRecvDataSegmentLength = max;
  }

  public int maxRecvDataSegmentLength() {
    return maxRecvDataSegmentLength;
  }

  /** Switches CRC32C digests on or off for every PDU not yet started (RFC 7143 13.1). */
  public void enableDigests(boolean header, boolean data) {
    this.headerDigest = header;
    this.dataDigest = data;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (discardRemaining > 0) {
      int n = (int) Math.min(discardRemaining, in.readableBytes());
      in.skipBytes(n);
      discardRemaining -= n;
      if (discardRemaining > 0) {
        return;
      }
    }
    if (in.readableBytes() < Pdu.BHS_LENGTH) {
      return;
    }
    final boolean hd = headerDigest;
    final boolean dd = dataDigest;
    final int start = in.readerIndex();
    final int ahsLength = in.getUnsignedByte(start + 4) * 4;
    final int dsl = in.getUnsignedMedium(start + 5);
    final int headerLength = Pdu.BHS_LENGTH + ahsLength + (hd ? DIGEST : 0);
    if (in.readableBytes() < headerLength) {
      return;
    }
    if (hd) {
      int expected = Crc32c.of(in, start, Pdu.BHS_LENGTH + ahsLength);
      int received = in.getIntLE(start + Pdu.BHS_LENGTH + ahsLength);
      if (expected != received) {
        byte[] bhs = copyBhs(in, start);
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(new PduError(PduError.Kind.FATAL, bhs, "header digest error"));
        return;
      }
    }
    final long padded = (dsl + 3L) & ~3L;
    final long dataLength = dsl == 0 ? 0 : padded + (dd ? DIGEST : 0);
    String problem = check(in.getUnsignedByte(start) & 0x3f, ahsLength, dsl);
    if (problem != null) {
      byte[] bhs = copyBhs(in, start);
      in.skipBytes(headerLength);
      discardRemaining = dataLength;
      int n = (int) Math.min(discardRemaining, in.readableBytes());
      in.skipBytes(n);
      discardRemaining -= n;
      out.add(new PduError(PduError.Kind.PROTOCOL, bhs, problem));
      return;
    }
    if (in.readableBytes() < headerLength + dataLength) {
      return; // wait for the whole data segment (bounded by MaxRecvDataSegmentLength)
    }
    byte[] bhs = new byte[Pdu.BHS_LENGTH];
    in.readBytes(bhs);
    byte[] ahs = new byte[ahsLength];
    in.readBytes(ahs);
    if (hd) {
      in.skipBytes(DIGEST);
    }
    if (dsl == 0) {
      out.add(new Pdu(bhs, ahs, Unpooled.EMPTY_BUFFER));
      return;
    }
    if (dd) {
      int expected = Crc32c.of(in, in.readerIndex(), (int) padded);
      int received = in.getIntLE(in.readerIndex() + (int) padded);
      if (expected != received) {
        in.skipBytes((int) dataLength);
        out.add(new PduError(PduError.Kind.DATA_DIGEST, bhs, "data digest error"));
        return;
      }
    }
    ByteBuf data = in.readRetainedSlice(dsl);
    in.skipBytes((int) dataLength - dsl);
    out.add(new Pdu(bhs, ahs, data));
  }

  private String check(int opcode, int ahsLength, int dsl) {
    if (!Opcode.isInitiatorOpcode(opcode)) {
      return String.format("opcode 0x%02x not accepted from an initiator", opcode);
    }
    if (ahsLength > MAX_TOTAL_AHS_LENGTH) {
      return "TotalAHSLength " + ahsLength + " exceeds " + MAX_TOTAL_AHS_LENGTH;
    }
    int max = maxRecvDataSegmentLength;
    if (dsl > max) {
      return "DataSegmentLength " + dsl + " exceeds MaxRecvDataSegmentLength " + max;
    }
    return null;
  }

  private static byte[] copyBhs(ByteBuf in, int start) {
    byte[] bhs = new byte[Pdu.BHS_LENGTH];
    in.getBytes(start, bhs);
    return bhs;
  }
}
