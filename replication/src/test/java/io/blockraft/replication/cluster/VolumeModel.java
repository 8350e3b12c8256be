package io.blockraft.replication.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.blockraft.replication.volume.RaftVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The expected contents of one replicated volume, and a seeded random workload against it, for
 * the cluster tests.
 *
 * <p>Ops go out in waves: the ops of one wave touch disjoint block ranges and are all in flight at
 * once (through whichever nodes the caller gives, round robin), so their order does not matter;
 * once every op of a wave is acknowledged the model applies them. Between waves ranges overlap
 * freely. Every op is a single Raft entry, so a wave of {@code n} ops appends {@code n} entries.
 *
 * <p>The mix stresses what the state machine computes at apply time: most writes are 1-3 blocks
 * of 512 bytes at arbitrary LBAs (read-modify-write of 4 KiB units), some are longer, COMPARE AND
 * WRITE verifies against the current bytes (matching, or with one byte changed so that the
 * expected result is that byte's offset), and UNMAP and WRITE SAME (zeroes) deallocate.
 *
 * <p>Reads go one at a time ({@link #spotCheck}, {@link #verify}), never several at once on one
 * node while writes are in flight: that deadlocks the volume's apply thread, see {@link
 * ClusterLifecycleTest#concurrentReadsWhileWriting_neverBlockTheApplyThread}.
 */
final class VolumeModel {

  /** Keeps the payload near 1.5 KiB per entry on average: see {@link ClusterLifecycleTest}. */
  private static final int SMALL_MAX_BLOCKS = 3;

  private final String name;
  private final int blockSize;
  private final long blocks;
  private final byte[] bytes;
  private final Random rnd;
  private final long seed;
  /** Payload bytes acknowledged so far (writes, and verify plus data of COMPARE AND WRITE). */
  private long payloadBytes;
  private long entries;

  VolumeModel(String name, long blocks, int blockSize, long seed) {
    this.name = name;
    this.blocks = blocks;
    this.blockSize = blockSize;
    this.bytes = new byte[Math.toIntExact(blocks * blockSize)];
    this.seed = seed;
    this.rnd = new Random(seed);
  }

  String name() {
    return name;
  }

  long seed() {
    return seed;
  }

  long payloadBytes() {
    return payloadBytes;
  }

  /** Raft entries acknowledged so far (one per mutating op). */
  long entries() {
    return entries;
  }

  // ------------------------------------------------------------------ ops

  sealed interface Op {
    long lba();

    int count();
  }

  record Write(long lba, int count, byte[] data) implements Op {}

  record CompareWrite(long lba, int count, byte[] verify, byte[] data, long expected) implements Op {}

  record Unmap(long lba, int count) implements Op {}

  record Zeroes(long lba, int count) implements Op {}


  /** Makes one wave of {@code n} mutating ops over disjoint ranges, against the current model. */
  List<Op> wave(int n) {
    TreeMap<Long, Long> taken = new TreeMap<>();
    List<Op> ops = new ArrayList<>(n);
    while (ops.size() < n) {
      double kind = rnd.nextDouble();
      int count = kind < 0.85 ? 1 + rnd.nextInt(SMALL_MAX_BLOCKS) : 8 + rnd.nextInt(17);
      long lba = (long) (rnd.nextDouble() * (blocks - count + 1));
      if (!reserve(taken, lba, count)) {
        continue;
      }
      if (kind < 0.78) {
        ops.add(new Write(lba, count, random(count)));
      } else if (kind < 0.85) {
        ops.add(compareWrite(lba, Math.min(count, 2)));
      } else if (kind < 0.92) {
        ops.add(new Write(lba, count, random(count)));
      } else if (kind < 0.96) {
        ops.add(new Unmap(lba, count));
      } else {
        ops.add(new Zeroes(lba, count));
      }
    }
    return ops;
  }

  /** A wave of COMPARE AND WRITEs only: about half of them miscompare. */
  List<Op> compareWriteWave(int n) {
    TreeMap<Long, Long> taken = new TreeMap<>();
    List<Op> ops = new ArrayList<>(n);
    while (ops.size() < n) {
      int count = 1 + rnd.nextInt(4);
      long lba = (long) (rnd.nextDouble() * (blocks - count + 1));
      if (reserve(taken, lba, count)) {
        ops.add(compareWrite(lba, count));
      }
    }
    return ops;
  }

  private CompareWrite compareWrite(long lba, int count) {
    byte[] verify = slice(lba, count);
    long expected = -1;
    if (rnd.nextBoolean()) {
      int at = rnd.nextInt(verify.length);
      verify[at] ^= (byte) (1 + rnd.nextInt(255));
      expected = at;
    }
    return new CompareWrite(lba, count, verify, random(count), expected);
  }

  private static boolean reserve(TreeMap<Long, Long> taken, long lba, int count) {
    long end = lba + count;
    var below = taken.floorEntry(lba);
    if (below != null && below.getValue() > lba) {
      return false;
    }
    var above = taken.ceilingEntry(lba);
    if (above != null && above.getKey() < end) {
      return false;
    }
    taken.put(lba, end);
    return true;
  }

  private byte[] random(int count) {
    byte[] b = new byte[count * blockSize];
    rnd.nextBytes(b);
    return b;
  }

  byte[] slice(long lba, int count) {
    int off = Math.toIntExact(lba * blockSize);
    return Arrays.copyOfRange(bytes, off, off + count * blockSize);
  }

  private void apply(Op op) {
    int off = Math.toIntExact(op.lba() * blockSize);
    int len = op.count() * blockSize;
    if (op instanceof Write w) {
      System.arraycopy(w.data(), 0, bytes, off, len);
      payloadBytes += len;
      entries++;
    } else if (op instanceof CompareWrite cw) {
      if (cw.expected() < 0) {
        System.arraycopy(cw.data(), 0, bytes, off, len);
      }
      payloadBytes += 2L * len;
      entries++;
    } else if (op instanceof Unmap || op instanceof Zeroes) {
      Arrays.fill(bytes, off, off + len, (byte) 0);
      entries++;
    }
  }

  // ------------------------------------------------------------------ running

  /**
   * Sends one wave through {@code via} (round robin), waits for every op and applies the wave to
   * the model. Fails on any error and on any COMPARE AND WRITE result other than the expected one.
   */
  void run(List<Op> ops, List<RaftVolume> via) throws Exception {
    List<CompletableFuture<?>> pending = submit(ops, via);
    for (int i = 0; i < ops.size(); i++) {
      try {
        pending.get(i).get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new AssertionError(name + ": " + ops.get(i) + " through via[" + (i % via.size())
            + "] failed (seed " + seed + ")", e.getCause());
      }
    }
    ops.forEach(this::apply);
  }

  /** Sends {@code waves} waves of {@code size} mixed ops through {@code via}. */
  void run(int waves, int size, List<RaftVolume> via) throws Exception {
    for (int i = 0; i < waves; i++) {
      run(wave(size), via);
    }
  }

  /** Submits a wave without waiting: op {@code i} goes through {@code via[i % via.size()]}. */
  List<CompletableFuture<?>> submit(List<Op> ops, List<RaftVolume> via) {
    List<CompletableFuture<?>> out = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      out.add(submit(ops.get(i), via.get(i % via.size())));
    }
    return out;
  }

  /** Applies a wave submitted with {@link #submit} once all of it was acknowledged. */
  void acknowledged(List<Op> ops) {
    ops.forEach(this::apply);
  }

  private CompletableFuture<?> submit(Op op, RaftVolume v) {
    if (op instanceof Write w) {
      return v.write(w.lba(), w.count(), ByteBuffer.wrap(w.data()));
    }
    if (op instanceof CompareWrite cw) {
      return v.compareAndWrite(cw.lba(), cw.count(), ByteBuffer.wrap(cw.verify()), ByteBuffer.wrap(cw.data()))
          .thenAccept(r -> assertThat(r).as("%s: COMPARE AND WRITE at %d (seed %d)", name, cw.lba(), seed)
              .isEqualTo(cw.expected()));
    }
    if (op instanceof Unmap u) {
      return v.unmap(u.lba(), u.count());
    }
    Zeroes z = (Zeroes) op;
    return v.writeZeroes(z.lba(), z.count());
  }

  // ------------------------------------------------------------------ checking

  /** Reads the whole volume through {@code v} and fails at the first block that differs. */
  void verify(RaftVolume v, String where) throws Exception {
    int chunk = (1 << 20) / blockSize;
    for (long lba = 0; lba < blocks; lba += chunk) {
      int n = (int) Math.min(chunk, blocks - lba);
      ByteBuffer dst = ByteBuffer.allocate(n * blockSize);
      v.read(lba, n, dst).get(60, TimeUnit.SECONDS);
      same(dst.array(), slice(lba, n), lba, where);
    }
  }

  /**
   * Reads a few random ranges through {@code v}, one at a time (no write may be in flight). With
   * {@code refused} null every read must succeed; otherwise {@code v} may be unable to serve
   * (catching up, no quorum) and a failed read is counted there. A read that succeeds must be exact.
   */
  void spotCheck(RaftVolume v, int reads, AtomicInteger refused) throws Exception {
    for (int i = 0; i < reads; i++) {
      int count = 1 + rnd.nextInt(64);
      long lba = (long) (rnd.nextDouble() * (blocks - count + 1));
      ByteBuffer dst = ByteBuffer.allocate(count * blockSize);
      try {
        v.read(lba, count, dst).get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (refused == null) {
          throw new AssertionError(name + ": read of " + count + " blocks at " + lba + " failed (seed " + seed
              + ")", e.getCause());
        }
        refused.incrementAndGet();
        continue;
      }
      same(dst.array(), slice(lba, count), lba, "spot check");
    }
  }

  private void same(byte[] actual, byte[] expected, long lba, String where) {
    int mm = Arrays.mismatch(actual, expected);
    if (mm >= 0) {
      fail("%s, %s: block %d (byte %d of the volume) differs: read %d, expected %d (seed %d)", name, where,
          lba + mm / blockSize, lba * blockSize + mm, actual[mm], expected[mm], seed);
    }
  }
}
