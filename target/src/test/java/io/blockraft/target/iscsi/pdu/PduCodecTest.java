package io.blockraft.target.iscsi.pdu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PduCodecTest {

  private static Pdu scsiCommand(int dataLength, byte[] ahs) {
    byte[] data = new byte[dataLength];
    for (int i = 0; i < dataLength; i++) {
      data[i] = (byte) (i * 7 + 3);
    }
    byte[] bhs = new byte[Pdu.BHS_LENGTH];
    bhs[0] = (byte) Opcode.SCSI_COMMAND;
    bhs[1] = (byte) 0xa1;
    Pdu p = new Pdu(bhs, ahs, Unpooled.wrappedBuffer(data));
    p.setItt(0x11223344).put32(24, 77).put8(32, 0x28);
    return p;
  }

  /** Encodes one PDU into its wire bytes. */
  private static byte[] wire(Pdu pdu, boolean hd, boolean dd) {
    PduEncoder enc = new PduEncoder();
    enc.enableDigests(hd, dd);
    EmbeddedChannel ch = new EmbeddedChannel(enc);
    ch.writeOutbound(pdu);
    ByteBuf all = Unpooled.buffer();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      all.writeBytes(b);
      b.release();
    }
    assertFalse(ch.finish());
    byte[] out = ByteBufUtil.getBytes(all);
    all.release();
    return out;
  }

  private static EmbeddedChannel decoder(int max, boolean hd, boolean dd) {
    PduDecoder dec = new PduDecoder(max);
    dec.enableDigests(hd, dd);
    return new EmbeddedChannel(dec);
  }

  private static void assertSame(Pdu decoded, Pdu expectedShape, byte[] expectedData) {
    assertThat(decoded.bhs()).isEqualTo(expectedShape.bhs());
    assertThat(decoded.ahs()).isEqualTo(expectedShape.ahs());
    assertThat(ByteBufUtil.getBytes(decoded.data())).isEqualTo(expectedData);
  }

  @Test
  void roundTrip_withPaddingAndAhs_everySplitPoint_decodesTheSame() {
    for (boolean digests : new boolean[] {false, true}) {
      Pdu shape = scsiCommand(13, new byte[] {0, 5, 1, 0, 9, 8, 7, 6});
      byte[] expectedData = ByteBufUtil.getBytes(shape.data());
      byte[] bytes = wire(scsiCommand(13, new byte[] {0, 5, 1, 0, 9, 8, 7, 6}), digests, digests);
      assertThat(bytes).hasSize(48 + 8 + 16 + (digests ? 8 : 0));
      for (int split = 0; split <= bytes.length; split++) {
        EmbeddedChannel ch = decoder(8192, digests, digests);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
        if (split < bytes.length) {
          assertThat((Object) ch.readInbound()).isNull();
          ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
        }
        Pdu p = ch.readInbound();
        assertSame(p, shape, expectedData);
        p.release();
        assertThat((Object) ch.readInbound()).isNull();
        assertFalse(ch.finish());
      }
      shape.release();
    }
  }

  @Test
  void byteByByte_twoPdus_bothDecoded() {
    byte[] a = wire(scsiCommand(5, null), true, true);
    byte[] b = wire(scsiCommand(0, null), true, true);
    EmbeddedChannel ch = decoder(8192, true, true);
    for (byte[] bytes : new byte[][] {a, b}) {
      for (byte x : bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {x}));
      }
    }
    Pdu p1 = ch.readInbound();
    Pdu p2 = ch.readInbound();
    assertThat(p1.dataSegmentLength()).isEqualTo(5);
    assertThat(p2.dataSegmentLength()).isZero();
    assertThat(p2.data().readableBytes()).isZero();
    p1.release();
    p2.release();
    assertFalse(ch.finish());
  }

  @Test
  void truncatedInput_emitsNothing() {
    byte[] bytes = wire(scsiCommand(100, null), false, false);
    for (int len : new int[] {0, 1, 47, 48, 100, bytes.length - 1}) {
      EmbeddedChannel ch = decoder(8192, false, false);
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, len));
      assertThat((Object) ch.readInbound()).isNull();
      assertFalse(ch.finish());
    }
  }

  @Test
  void dataSegmentLongerThanMaxRecv_isProtocolError_skippedWithoutBuffering() {
    byte[] big = wire(scsiCommand(100_001, null), false, false);
    byte[] next = wire(scsiCommand(3, null), false, false);
    EmbeddedChannel ch = decoder(8192, false, false);
    // the header alone is enough to reject it
    ch.writeInbound(Unpooled.wrappedBuffer(big, 0, 48));
    PduError err = ch.readInbound();
    assertThat(err.kind()).isEqualTo(PduError.Kind.PROTOCOL);
    assertThat(err.opcode()).isEqualTo(Opcode.SCSI_COMMAND);
    assertThat(err.itt()).isEqualTo(0x11223344);
    // the rest arrives in chunks and is discarded in place
    for (int off = 48; off < big.length; off += 4096) {
      int n = Math.min(4096, big.length - off);
      ch.writeInbound(Unpooled.wrappedBuffer(big, off, n));
      assertThat((Object) ch.readInbound()).isNull();
    }
    ch.writeInbound(Unpooled.wrappedBuffer(next));
    Pdu p = ch.readInbound();
    assertThat(p.dataSegmentLength()).isEqualTo(3);
    p.release();
    assertFalse(ch.finish());
  }

  @Test
  void maxDataSegmentLength_declaredInHeader_notAllocated() {
    byte[] bhs = new byte[48];
    bhs[0] = Opcode.SCSI_DATA_OUT;
    bhs[5] = (byte) 0xff;
    bhs[6] = (byte) 0xff;
    bhs[7] = (byte) 0xff;
    EmbeddedChannel ch = decoder(262144, false, false);
    ch.writeInbound(Unpooled.wrappedBuffer(bhs));
    PduError err = ch.readInbound();
    assertThat(err.kind()).isEqualTo(PduError.Kind.PROTOCOL);
    assertThat(err.reason()).contains("16777215");
    assertFalse(ch.finish());
  }

  @Test
  void dataSegmentAtTheLimit_isAccepted_andSetLimitApplies() {
    EmbeddedChannel ch = decoder(512, false, false);
    ch.writeInbound(Unpooled.wrappedBuffer(wire(scsiCommand(512, null), false, false)));
    Pdu p = ch.readInbound();
    assertThat(p.dataSegmentLength()).isEqualTo(512);
    p.release();
    ((PduDecoder) ch.pipeline().first()).setMaxRecvDataSegmentLength(8192);
    ch.writeInbound(Unpooled.wrappedBuffer(wire(scsiCommand(8192, null), false, false)));
    p = ch.readInbound();
    assertThat(p.dataSegmentLength()).isEqualTo(8192);
    p.release();
    assertFalse(ch.finish());
  }

  @Test
  void dataDigestError_isDataDigest_pduConsumed_nextPduDecodes() {
    byte[] bad = wire(scsiCommand(10, null), true, true);
    bad[48 + 4 + 2] ^= 0x01; // a data byte
    byte[] good = wire(scsiCommand(4, null), true, true);
    EmbeddedChannel ch = decoder(8192, true, true);
    ch.writeInbound(Unpooled.wrappedBuffer(bad), Unpooled.wrappedBuffer(good));
    PduError err = ch.readInbound();
    assertThat(err.kind()).isEqualTo(PduError.Kind.DATA_DIGEST);
    assertThat(err.bhs()).hasSize(48);
    Pdu p = ch.readInbound();
    assertThat(p.dataSegmentLength()).isEqualTo(4);
    p.release();
    assertFalse(ch.finish());
  }

  @Test
  void headerDigestError_isFatal_andLaterInputIsDiscarded() {
    byte[] bad = wire(scsiCommand(10, null), true, false);
    bad[20] ^= 0x40;
    byte[] good = wire(scsiCommand(4, null), true, false);
    EmbeddedChannel ch = decoder(8192, true, false);
    ch.writeInbound(Unpooled.wrappedBuffer(bad));
    PduError err = ch.readInbound();
    assertThat(err.kind()).isEqualTo(PduError.Kind.FATAL);
    ch.writeInbound(Unpooled.wrappedBuffer(good));
    assertThat((Object) ch.readInbound()).isNull();
    assertFalse(ch.finish());
  }

  @Test
  void targetOpcode_isProtocolError_andSkipped() {
    Pdu nopIn = Pdu.create(Opcode.NOP_IN, Unpooled.wrappedBuffer(new byte[6]));
    byte[] bytes = wire(nopIn, false, false);
    byte[] good = wire(scsiCommand(0, null), false, false);
    EmbeddedChannel ch = decoder(8192, false, false);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes), Unpooled.wrappedBuffer(good));
    PduError err = ch.readInbound();
    assertThat(err.kind()).isEqualTo(PduError.Kind.PROTOCOL);
    assertThat(err.opcode()).isEqualTo(Opcode.NOP_IN);
    Pdu p = ch.readInbound();
    assertThat(p.opcode()).isEqualTo(Opcode.SCSI_COMMAND);
    p.release();
    assertFalse(ch.finish());
  }

  @Test
  void tooLongAhs_isProtocolError_andSkipped() {
    Pdu shape = scsiCommand(4, new byte[PduDecoder.MAX_TOTAL_AHS_LENGTH + 4]);
    byte[] bytes = wire(shape, false, false);
    byte[] good = wire(scsiCommand(1, null), false, false);
    EmbeddedChannel ch = decoder(8192, false, false);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes), Unpooled.wrappedBuffer(good));
    assertThat(((PduError) ch.readInbound()).kind()).isEqualTo(PduError.Kind.PROTOCOL);
    Pdu p = ch.readInbound();
    assertThat(p.dataSegmentLength()).isEqualTo(1);
    p.release();
    assertFalse(ch.finish());
  }

  @Test
  void reservedBitInByteZero_isIgnored_opcodeStillDecoded() {
    byte[] bytes = wire(scsiCommand(2, null), false, false);
    bytes[0] |= (byte) 0x80;
    EmbeddedChannel ch = decoder(8192, false, false);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    Pdu p = ch.readInbound();
    assertThat(p.opcode()).isEqualTo(Opcode.SCSI_COMMAND);
    p.release();
    assertFalse(ch.finish());
  }

  @Test
  void headerDigest_isRfcCrc32c_littleEndianOnTheWire() {
    // RFC 3720 B.4: CRC32C of 32 zero bytes is sent as aa 36 91 8a
    assertThat(Crc32c.of(new byte[32], 0, 32)).isEqualTo(0x8a9136aa);
    byte[] bytes = wire(Pdu.create(Opcode.NOP_IN, null), true, false);
    int crc = Crc32c.of(Arrays.copyOf(bytes, 48), 0, 48);
    assertThat(bytes).hasSize(52);
    assertThat(Arrays.copyOfRange(bytes, 48, 52)).containsExactly((byte) crc, (byte) (crc >>> 8),
        (byte) (crc >>> 16), (byte) (crc >>> 24));
  }

  @Test
  void largeDataSegment_isWrittenZeroCopy_asSeparateBuffer() {
    ByteBuf data = Unpooled.wrappedBuffer(new byte[5000]);
    Pdu pdu = Pdu.create(Opcode.SCSI_DATA_IN, data);
    PduEncoder enc = new PduEncoder();
    enc.enableDigests(true, true);
    EmbeddedChannel ch = new EmbeddedChannel(enc);
    ch.writeOutbound(pdu);
    ByteBuf header = ch.readOutbound();
    ByteBuf body = ch.readOutbound();
    ByteBuf trailer = ch.readOutbound();
    assertThat(header.readableBytes()).isEqualTo(52);
    assertThat(body.readableBytes()).isEqualTo(5000);
    assertThat(body.unwrap() == data || body == data || body.unwrap() == data.unwrap()).isTrue();
    assertThat(trailer.readableBytes()).isEqualTo(4); // 5000 is aligned: digest only
    assertThat(pdu.refCnt()).isZero();
    assertThat(data.refCnt()).isEqualTo(1); // held by the written duplicate
    header.release();
    body.release();
    trailer.release();
    assertThat(data.refCnt()).isZero();
    assertFalse(ch.finish());
  }

  @Test
  void encoderOutput_decodesBack_withDigests_forLargeData() {
    Pdu shape = scsiCommand(3001, null);
    byte[] expected = ByteBufUtil.getBytes(shape.data());
    byte[] bytes = wire(scsiCommand(3001, null), true, true);
    assertThat(bytes).hasSize(48 + 4 + 3004 + 4);
    EmbeddedChannel ch = decoder(8192, true, true);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    Pdu p = ch.readInbound();
    assertSame(p, shape, expected);
    p.release();
    shape.release();
    assertFalse(ch.finish());
  }
}
