package io.blockraft.target.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * RFC 7143 11.1 / Appendix B.4: header and data digests are CRC32C (Castagnoli) over the BHS+AHS
 * resp. the data segment including its padding. On the wire the 32-bit digest is sent least
 * significant byte first (the byte order of the CRC register, as every implementation does).
 */
public final class Crc32c {
  private Crc32c() {}

  /** CRC32C of BHS followed by AHS. */
  public static int of(byte[] bhs, byte[] ahs) {
    CRC32C c = new CRC32C();
    c.update(bhs);
    c.update(ahs);
    return (int) c.getValue();
  }

  public static int of(byte[] a, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(a, off, len);
    return (int) c.getValue();
  }

  /** CRC32C of {@code len} bytes of {@code buf} from absolute {@code index}; indexes unchanged. */
  public static int of(ByteBuf buf, int index, int len) {
    CRC32C c = new CRC32C();
    update(c, buf, index, len);
    return (int) c.getValue();
  }

  /** CRC32C of the readable bytes of {@code data} followed by {@code pad} zero bytes. */
  public static int ofPadded(ByteBuf data, int pad) {
    CRC32C c = new CRC32C();
    update(c, data, data.readerIndex(), data.readableBytes());
    for (int i = 0; i < pad; i++) {
      c.update(0);
    }
    return (int) c.getValue();
  }

  private static void update(CRC32C c, ByteBuf buf, int index, int len) {
    if (len == 0) {
      return;
    }
    if (buf.hasArray()) {
      c.update(buf.array(), buf.arrayOffset() + index, len);
      return;
    }
    for (ByteBuffer b : buf.nioBuffers(index, len)) {
      c.update(b);
    }
  }
}
