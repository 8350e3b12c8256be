package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.login.TargetCatalog;
import io.blockraft.target.iscsi.login.TargetInfo;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.MemoryReplicatedVolume;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.OpcodeTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An {@link IscsiConnection} in Full Feature Phase on an {@link EmbeddedChannel}, exchanging
 * {@link Pdu} objects (no codec), over a small SCSI target whose opcode table has READ(10),
 * WRITE(10), TEST UNIT READY and a HOLD command (0xC1) that completes when the test says so.
 * The volume is the in-memory {@link MemoryReplicatedVolume} (synchronous), so everything runs on
 * the embedded event loop.
 */
final class FfpHarness implements AutoCloseable {
  static final String TARGET = "iqn.2024-01.io.blockraft:t0";
  static final String INITIATOR = "iqn.2024-01.test:init";
  static final int BLOCK = 512;
  static final int HOLD = 0xC1;

  final MemoryReplicatedVolume volume = new MemoryReplicatedVolume("v0", BLOCK, 4096);
  final ScsiTarget target;
  final SessionRegistry registry;
  final ConcurrentLinkedQueue<CompletableFuture<ScsiResponse>> held = new ConcurrentLinkedQueue<>();
  final List<EmbeddedChannel> channels = new ArrayList<>();
  final TargetCatalog catalog;
  EmbeddedChannel ch;
  IscsiConnection conn;
  IscsiSession session;
  int cmdSn = 1;
  int nextItt = 1;
  /** The node's buffer budget for connections opened from now on (null: each its own, 1 GiB). */
  BufferBudget budget;

  FfpHarness(SessionSettings settings) {
    OpcodeTable table = new OpcodeTable();
    table.register(CommandSpec.of(0x00, "TEST UNIT READY", 6).noUnitAttention()
        .handler(c -> CommandContext.good()));
    table.register(CommandSpec.of(0x28, "READ(10)", 10).noUnitAttention().handler(this::read10));
    table.register(CommandSpec.of(0x2a, "WRITE(10)", 10).noUnitAttention().handler(this::write10));
    table.register(CommandSpec.of(HOLD, "HOLD", 6).noUnitAttention().handler(c -> {
      CompletableFuture<ScsiResponse> f = new CompletableFuture<>();
      held.add(f);
      return f;
    }));
    target = new ScsiTarget(TARGET, table);
    target.map(0, new LogicalUnit(volume, false));
    registry = new SessionRegistry(n -> n.equalsIgnoreCase(TARGET) ? target : null, settings);
    catalog = () -> List.of(new TargetInfo(TARGET, null, List.of("127.0.0.1:3260,1"), null, Set.of()));
  }

  static SessionSettings settings() {
    return SessionSettings.defaults(1, 1).withNop(Duration.ZERO, Duration.ZERO)
        .withCommandWindow(128).withTargetMaxRecvDataSegmentLength(8192);
  }

  static SessionParams params() {
    SessionParams p = new SessionParams();
    p.initiatorName = INITIATOR;
    p.targetName = TARGET;
    p.initialR2T = false;
    p.immediateData = true;
    p.firstBurstLength = 4096;
    p.maxBurstLength = 4096;
    p.maxOutstandingR2T = 2;
    p.initiatorMaxRecvDataSegmentLength = 2048;
    p.targetMaxRecvDataSegmentLength = 8192;
    return p;
  }

  /** Logs in (without a login exchange) with {@code p} and ISID {@code isidLast}. */
  FfpHarness open(SessionParams p, int isidLast) throws Exception {
    conn = budget == null ? new IscsiConnection(registry, catalog)
        : new IscsiConnection(registry, catalog, budget);
    ch = new EmbeddedChannel(conn);
    channels.add(ch);
    session = registry.bind(p, new byte[] {0x40, 0, 0, 0, 0, (byte) isidLast}, 0);
    conn.startForTest(session, cmdSn, 100);
    return this;
  }

  // ------------------------------------------------------------------ PDUs an initiator sends

  static Pdu command(int itt, int cmdSn, byte[] cdb, int edtl, boolean r, boolean w, boolean fin,
      byte[] immediate) {
    Pdu p = Pdu.create(Opcode.SCSI_COMMAND, immediate == null ? null : Unpooled.wrappedBuffer(immediate));
    p.setFlags((fin ? 0x80 : 0) | (r ? 0x40 : 0) | (w ? 0x20 : 0) | 1).setLun(Lun.encode(0)).setItt(itt);
    p.put32(20, edtl).put32(24, cmdSn).put32(28, 0);
    byte[] c = new byte[16];
    System.arraycopy(cdb, 0, c, 0, Math.min(16, cdb.length));
    p.putBytes(32, c);
    return p;
  }

  static Pdu dataOut(int itt, int ttt, int dataSn, int offset, byte[] data, boolean fin) {
    Pdu p = Pdu.create(Opcode.SCSI_DATA_OUT, Unpooled.wrappedBuffer(data));
    p.setFlags(fin ? 0x80 : 0).setLun(Lun.encode(0)).setItt(itt).put32(20, ttt);
    p.put32(36, dataSn).put32(40, offset);
    return p;
  }

  static byte[] read10(long lba, int blocks) {
    byte[] c = new byte[10];
    c[0] = 0x28;
    Cdb.put32(c, 2, lba);
    Cdb.put16(c, 7, blocks);
    return c;
  }

  static byte[] write10(long lba, int blocks) {
    byte[] c = read10(lba, blocks);
    c[0] = 0x2a;
    return c;
  }

  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed + i * 7);
    }
    return b;
  }

  int itt() {
    return nextItt++;
  }

  /** Sends a PDU to the target. */
  void send(Pdu p) {
    ch.writeInbound(p);
    ch.runPendingTasks();
  }

  /** Sends a non-immediate SCSI command with the next CmdSN. */
  void sendCommand(int itt, byte[] cdb, int edtl, boolean r, boolean w, boolean fin, byte[] imm) {
    send(command(itt, cmdSn++, cdb, edtl, r, w, fin, imm));
  }

  /** Everything the target sent so far. */
  List<Pdu> drain() {
    ch.runPendingTasks();
    List<Pdu> out = new ArrayList<>();
    Object o;
    while ((o = ch.readOutbound()) != null) {
      out.add((Pdu) o);
    }
    return out;
  }

  /** Writes {@code data} straight into the volume (test set-up). */
  void fill(long lba, byte[] data) {
    volume.write(lba, data.length / BLOCK, ByteBuffer.wrap(data)).join();
  }

  /** What the volume holds, read straight from it. */
  byte[] stored(long lba, int blocks) {
    ByteBuffer b = ByteBuffer.allocate(blocks * BLOCK);
    volume.read(lba, blocks, b).join();
    return b.array();
  }

  /** Bytes of a PDU's data segment. */
  static byte[] bytes(Pdu p) {
    byte[] b = new byte[p.dataSegmentLength()];
    p.data().getBytes(p.data().readerIndex(), b);
    return b;
  }

  static void releaseAll(List<Pdu> pdus) {
    for (Pdu p : pdus) {
      if (p.refCnt() > 0) {
        p.release();
      }
    }
  }

  // ------------------------------------------------------------------ SCSI handlers of the fake

  private CompletableFuture<ScsiResponse> read10(CommandContext c) {
    long lba = Cdb.u32(c.cdb(), 2);
    int blocks = Cdb.u16(c.cdb(), 7);
    int len = blocks * BLOCK;
    ByteBuf buf = c.alloc(len);
    return c.lu().volume().read(lba, blocks, buf.nioBuffer(0, len)).thenApply(v -> {
      buf.writerIndex(len);
      return ScsiResponse.good(buf, len);
    });
  }

  /** Writes min(transfer length, EDTL) rounded down to whole blocks (libiscsi residual tests). */
  private CompletableFuture<ScsiResponse> write10(CommandContext c) {
    long lba = Cdb.u32(c.cdb(), 2);
    int blocks = Cdb.u16(c.cdb(), 7);
    int len = blocks * BLOCK;
    int n = Math.min(len, c.task().expectedDataTransferLength()) / BLOCK * BLOCK;
    if (n == 0) {
      return CompletableFuture.completedFuture(new ScsiResponse(0, null, null, len));
    }
    return c.dataOut(n).thenCompose(buf -> c.lu().volume().write(lba, n / BLOCK, buf.nioBuffer())
        .whenComplete((v, e) -> buf.release()))
        .thenApply(v -> new ScsiResponse(0, null, null, len));
  }

  @Override
  public void close() {
    for (EmbeddedChannel c : channels) {
      c.finishAndReleaseAll();
    }
  }
}
