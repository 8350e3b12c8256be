package io.blockraft.target.iscsi.session;

import static io.blockraft.target.iscsi.session.FfpHarness.BLOCK;
import static io.blockraft.target.iscsi.session.FfpHarness.command;
import static io.blockraft.target.iscsi.session.FfpHarness.pattern;
import static io.blockraft.target.iscsi.session.FfpHarness.read10;
import static io.blockraft.target.iscsi.session.FfpHarness.write10;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.pdu.Crc32c;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.iscsi.pdu.PduDecoder;
import io.blockraft.target.iscsi.pdu.PduEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection behind the real codec with CRC32C header and data digests switched on at Full
 * Feature Phase (RFC 7143 13.1): bytes in, bytes out; a corrupted data digest is answered with
 * Reject "data digest error".
 */
class DigestPipelineTest {
  private final FfpHarness h = new FfpHarness(FfpHarness.settings());
  private final EmbeddedChannel clientOut = new EmbeddedChannel(new PduEncoder());
  private EmbeddedChannel target;

  @AfterEach
  void tearDown() {
    clientOut.finishAndReleaseAll();
    if (target != null) {
      target.finishAndReleaseAll();
    }
  }

  private void open() throws Exception {
    SessionParams p = FfpHarness.params();
    p.headerDigest = true;
    p.dataDigest = true;
    IscsiConnection conn = new IscsiConnection(h.registry, h.catalog);
    target = new EmbeddedChannel(new PduDecoder(8192), new PduEncoder(), conn);
    IscsiSession s = h.registry.bind(p, new byte[] {0x40, 0, 0, 0, 0, 9}, 0);
    conn.startForTest(s, 1, 1);
    ((PduEncoder) clientOut.pipeline().first()).enableDigests(true, true);
  }

  private ByteBuf encode(Pdu p) {
    clientOut.writeOutbound(p);
    ByteBuf all = clientOut.alloc().buffer();
    Object o;
    while ((o = clientOut.readOutbound()) != null) {
      ByteBuf b = (ByteBuf) o;
      all.writeBytes(b);
      b.release();
    }
    return all;
  }

  /**
   * Feeds bytes to the target and parses what it sends back (a target-side PduDecoder refuses
   * target opcodes, so framing is checked by hand here: BHS, header digest, padded data, data
   * digest, each digest verified).
   */
  private List<Object> exchange(ByteBuf wire) {
    target.writeInbound(wire);
    target.runPendingTasks();
    ByteBuf all = target.alloc().buffer();
    Object o;
    while ((o = target.readOutbound()) != null) {
      ByteBuf b = (ByteBuf) o;
      all.writeBytes(b);
      b.release();
    }
    List<Object> out = new ArrayList<>();
    while (all.isReadable()) {
      byte[] bhs = new byte[48];
      all.readBytes(bhs);
      assertThat(Integer.reverseBytes(all.readInt())).isEqualTo(Crc32c.of(bhs, new byte[0]));
      int len = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
      ByteBuf data = Unpooled.buffer(len);
      if (len > 0) {
        int padded = (len + 3) & ~3;
        assertThat(Integer.reverseBytes(all.getInt(all.readerIndex() + padded)))
            .isEqualTo(Crc32c.of(all, all.readerIndex(), padded));
        all.readBytes(data, len);
        all.skipBytes(padded - len + 4);
      }
      out.add(new Pdu(bhs, null, data));
    }
    all.release();
    return out;
  }

  @Test
  void writeThenRead_withHeaderAndDataDigests_roundTrips() throws Exception {
    open();
    byte[] data = pattern(2 * BLOCK, 77);
    List<Object> w = exchange(encode(command(1, 1, write10(3, 2), data.length, false, true, true, data)));
    assertThat(w).hasSize(1);
    Pdu ws = (Pdu) w.get(0);
    assertThat(ws.opcode()).isEqualTo(Opcode.SCSI_RESPONSE);
    assertThat(ws.u8(3)).isZero();
    ws.release();
    List<Object> r = exchange(encode(command(2, 2, read10(3, 2), data.length, true, false, true, null)));
    assertThat(r).hasSize(1);
    Pdu in = (Pdu) r.get(0);
    assertThat(in.opcode()).isEqualTo(Opcode.SCSI_DATA_IN);
    assertThat(FfpHarness.bytes(in)).isEqualTo(data);
    in.release();
  }

  @Test
  void corruptedDataDigest_isRejectedAsDataDigestError() throws Exception {
    open();
    ByteBuf wire = encode(command(1, 1, write10(3, 1), BLOCK, false, true, true, pattern(BLOCK, 1)));
    int last = wire.writerIndex() - 1;
    wire.setByte(last, wire.getByte(last) ^ 0x5a); // the data digest is the last 4 bytes
    List<Object> out = exchange(wire);
    assertThat(out).hasSize(1);
    Pdu reject = (Pdu) out.get(0);
    assertThat(reject.opcode()).isEqualTo(Opcode.REJECT);
    assertThat(reject.u8(2)).isEqualTo(TargetPdus.REJECT_DATA_DIGEST);
    reject.release();
    // the rejected command's CmdSN was consumed: the next one runs
    List<Object> next = exchange(encode(command(2, 2, new byte[6], 0, false, false, true, null)));
    assertThat(next).hasSize(1);
    ((Pdu) next.get(0)).release();
  }
}
