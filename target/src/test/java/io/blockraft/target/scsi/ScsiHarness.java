package io.blockraft.target.scsi;

import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-JVM SCSI test harness: a {@link ScsiTarget} with LUN 0 over a {@link MemoryReplicatedVolume},
 * and a recording {@link TaskIo}. Usage:
 *
 * <pre>
 *   ScsiHarness h = ScsiHarness.create(512, 2048, false);
 *   Result r = h.run(cdb);                       // default nexus, no Data-Out
 *   Result w = h.run(h.nexus(), cdb, data, data.length);
 *   assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
 * </pre>
 *
 * The default nexus and every nexus from {@link #nexus(String)} have already consumed their
 * power-on unit attention on LUN 0 (as an initiator that logged in and ran TEST UNIT READY);
 * {@link #newNexus(String)} gives one that has not.
 */
public final class ScsiHarness {
  public static final String TARGET_NAME = "iqn.2024-01.io.blockraft:test";
  public static final int TPG = 1;
  public static final int REL_PORT = 1;

  private final ScsiTarget target;
  private final LogicalUnit lu;
  private final MemoryReplicatedVolume volume;
  private final int portGroup;
  private final ItNexus nexus;
  private final AtomicInteger tags = new AtomicInteger();

  private ScsiHarness(ScsiTarget target, LogicalUnit lu, MemoryReplicatedVolume volume,
      int portGroup) {
    this.target = target;
    this.lu = lu;
    this.volume = volume;
    this.portGroup = portGroup;
    this.nexus = nexus("iqn.2024-01.test:initiator");
  }

  /** A target with LUN 0 of {@code blocks} blocks of {@code blockSize} bytes. */
  public static ScsiHarness create(int blockSize, long blocks, boolean readOnly) {
    return create(new MemoryReplicatedVolume("vol0", blockSize, blocks), readOnly, TPG);
  }

  /**
   * One node's view of a volume: the target with LUN 0 over {@code volume}, whose nexuses come in
   * through target port group (and relative target port) {@code portGroup}, the node id.
   */
  public static ScsiHarness create(MemoryReplicatedVolume volume, int portGroup) {
    return create(volume, false, portGroup);
  }

  private static ScsiHarness create(MemoryReplicatedVolume volume, boolean readOnly, int portGroup) {
    ScsiTarget t = new ScsiTarget(TARGET_NAME);
    LogicalUnit lu = new LogicalUnit(volume, readOnly);
    t.map(0, lu);
    return new ScsiHarness(t, lu, volume, portGroup);
  }

  public ScsiTarget target() {
    return target;
  }

  /** LUN 0. */
  public LogicalUnit lu() {
    return lu;
  }

  public MemoryReplicatedVolume volume() {
    return volume;
  }

  /** The default nexus (power-on UA already consumed on every LU mapped so far). */
  public ItNexus nexus() {
    return nexus;
  }

  /** Maps another LU (its unit attentions for existing nexuses start fresh, as for a new LU). */
  public LogicalUnit addLun(int lun, int blockSize, long blocks, boolean readOnly) {
    LogicalUnit l = new LogicalUnit(new MemoryReplicatedVolume("vol" + lun, blockSize, blocks), readOnly);
    target.map(lun, l);
    return l;
  }

  /** A nexus for {@code initiator} (ISID 0x400001370000) whose power-on UA is already consumed. */
  public ItNexus nexus(String initiator) {
    ItNexus n = newNexus(initiator);
    drainUnitAttentions(n);
    return n;
  }

  /** A nexus for {@code initiator} that has not been seen yet (gets POWER ON RESET first). */
  public ItNexus newNexus(String initiator) {
    return newNexus(initiator, new byte[] {0x40, 0x00, 0x01, 0x37, 0x00, 0x00});
  }

  public ItNexus newNexus(String initiator, byte[] isid) {
    return new ItNexus(initiator, isid, TARGET_NAME, portGroup, portGroup);
  }

  /** Clears every pending unit attention of {@code n} on every mapped LU. */
  public void drainUnitAttentions(ItNexus n) {
    for (LogicalUnit l : target.luns().values()) {
      l.unitAttentions().nexusSeen(n);
      while (l.unitAttentions().poll(n) != null) {
        // drain
      }
    }
  }

  /** Runs {@code cdb} on LUN 0 from the default nexus, no Data-Out (EDTL 1 MiB, read). */
  public Result run(byte[] cdb) {
    return run(nexus, cdb, null, 1 << 20);
  }

  /** Runs {@code cdb} on LUN 0 from the default nexus with Data-Out (EDTL = its length). */
  public Result run(byte[] cdb, byte[] dataOut) {
    return run(nexus, cdb, dataOut, dataOut == null ? 1 << 20 : dataOut.length);
  }

  /** Runs {@code cdb} on LUN 0. */
  public Result run(ItNexus n, byte[] cdb, byte[] dataOut, int edtl) {
    return runLun(n, Lun.encode(0), cdb, dataOut, edtl);
  }

  /** Runs {@code cdb} on the LUN given as the 8-byte field (see {@link Lun}). */
  public Result runLun(ItNexus n, long lunField, byte[] cdb, byte[] dataOut, int edtl) {
    byte[] full = Arrays.copyOf(cdb, Math.max(16, cdb.length));
    ScsiTask task = new ScsiTask(n, lunField, full, edtl, dataOut == null, dataOut != null,
        TaskAttribute.SIMPLE, tags.incrementAndGet());
    RecordingIo io = new RecordingIo(dataOut);
    target.execute(task, io);
    ScsiResponse resp;
    try {
      resp = io.result.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("task did not complete", e);
    }
    byte[] data = new byte[0];
    if (resp.dataIn() != null) {
      ByteBuf b = resp.dataIn();
      data = new byte[b.readableBytes()];
      b.getBytes(b.readerIndex(), data);
      b.release();
    }
    return new Result(resp.status(), resp.sense(), data, resp.transferLength(),
        io.dataOutCalls.get(), io.completions.get());
  }

  /** Convenience: a CDB from ints. */
  public static byte[] cdb(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return b;
  }

  /** TaskIo that serves Data-Out from a byte array and records the completion. */
  private static final class RecordingIo implements TaskIo {
    private final byte[] dataOut;
    final CompletableFuture<ScsiResponse> result = new CompletableFuture<>();
    final AtomicInteger dataOutCalls = new AtomicInteger();
    final AtomicInteger completions = new AtomicInteger();

    RecordingIo(byte[] dataOut) {
      this.dataOut = dataOut;
    }

    @Override
    public CompletableFuture<ByteBuf> dataOut(int length) {
      dataOutCalls.incrementAndGet();
      if (dataOut == null || length > dataOut.length) {
        return CompletableFuture.failedFuture(new ScsiException(SenseReason.DATA_PHASE_ERROR));
      }
      return CompletableFuture.completedFuture(Unpooled.copiedBuffer(dataOut, 0, length));
    }

    @Override
    public void complete(ScsiResponse response) {
      if (completions.incrementAndGet() == 1) {
        result.complete(response);
      } else if (response.dataIn() != null) {
        response.dataIn().release();
      }
    }

    @Override
    public boolean isAborted() {
      return false;
    }
  }

  /**
   * What the target answered.
   *
   * @param status SAM status
   * @param sense sense bytes or null
   * @param data Data-In bytes (empty when none)
   * @param transferLength the intended transfer length the command reported
   * @param dataOutRequests how many times the handler asked for Data-Out
   * @param completions how many times the task was completed (must be 1)
   */
  public record Result(int status, byte[] sense, byte[] data, int transferLength,
      int dataOutRequests, int completions) {

    public boolean good() {
      return status == ScsiStatus.GOOD;
    }

    private boolean descriptor() {
      return sense != null && (sense[0] & 0x7f) >= 0x72;
    }

    /** Sense key (fixed or descriptor format), -1 when there is no sense. */
    public int senseKey() {
      if (sense == null) {
        return -1;
      }
      return (descriptor() ? sense[1] : sense[2]) & 0x0f;
    }

    public int asc() {
      if (sense == null) {
        return -1;
      }
      return (descriptor() ? sense[2] : sense[12]) & 0xff;
    }

    public int ascq() {
      if (sense == null) {
        return -1;
      }
      return (descriptor() ? sense[3] : sense[13]) & 0xff;
    }

    /** True when the sense carries exactly this reason. */
    public boolean is(SenseReason reason) {
      return senseKey() == reason.key && asc() == reason.asc && ascq() == reason.ascq;
    }

    /** Unsigned byte {@code i} of the data. */
    public int u8(int i) {
      return data[i] & 0xff;
    }

    public int u16(int i) {
      return (u8(i) << 8) | u8(i + 1);
    }

    public long u32(int i) {
      return ((long) u16(i) << 16) | u16(i + 2);
    }

    public long u64(int i) {
      return (u32(i) << 32) | u32(i + 4);
    }

    /** Bytes [from, from+len) of the data as ASCII. */
    public String ascii(int from, int len) {
      return new String(data, from, len, StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
      return String.format("Result[status=0x%02x sense=%x/%02x/%02x data=%d bytes transferLength=%d]",
          status, senseKey(), asc(), ascq(), data.length, transferLength);
    }
  }
}
