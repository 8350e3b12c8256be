package io.blockraft.target.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * RFC 7143 11.2 PDU framing, send side: BHS + AHS, header digest, data segment, padding to a
 * multiple of 4 bytes (11.2.3), data digest over data and padding (only for a non-empty data
 * segment). Digests are CRC32C (11.1), written least significant byte first.
 *
 * <p>Zero-copy for large data segments: a small header buffer, the retained data buffer, then a
 * small trailer (padding + digest). Small data segments are copied into the header buffer so the
 * PDU goes out as one buffer. The {@link Pdu} is released after encoding.
 */
public final class PduEncoder extends MessageToMessageEncoder<Pdu> {
  /** Data segments up to this size are copied next to the header instead of written separately. */
  static final int COPY_THRESHOLD = 1024;

  private volatile boolean headerDigest;
  private volatile boolean dataDigest;

  public PduEncoder() {
    super(Pdu.class);
  }

  /** Switches CRC32C digests on or off for every PDU written from now on (RFC 7143 13.1). */
  public void enableDigests(boolean header, boolean data) {
    this.headerDigest = header;
    this.dataDigest = data;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Pdu pdu, List<Object> out) {
    final boolean hd = headerDigest;
    final boolean dd = dataDigest;
    byte[] bhs = pdu.bhs();
    byte[] ahs = pdu.ahs();
    ByteBuf data = pdu.data();
    int dsl = data.readableBytes();
    int pad = (-dsl) & 3;
    int trailer = dsl == 0 ? 0 : pad + (dd ? 4 : 0);
    boolean copy = dsl <= COPY_THRESHOLD;
    int headerSize = bhs.length + ahs.length + (hd ? 4 : 0) + (copy ? dsl + trailer : 0);

    ByteBuf header = ctx.alloc().buffer(headerSize);
    header.writeBytes(bhs).writeBytes(ahs);
    if (hd) {
      header.writeIntLE(Crc32c.of(bhs, ahs));
    }
    if (dsl == 0) {
      out.add(header);
      return;
    }
    ByteBuf tail = header;
    if (copy) {
      header.writeBytes(data, data.readerIndex(), dsl);
    } else {
      out.add(header);
      out.add(data.retainedDuplicate());
      tail = ctx.alloc().buffer(trailer);
    }
    tail.writeZero(pad);
    if (dd) {
      tail.writeIntLE(Crc32c.ofPadded(data, pad));
    }
    if (tail != header && !tail.isReadable()) {
      tail.release();
      return;
    }
    out.add(tail);
  }
}
