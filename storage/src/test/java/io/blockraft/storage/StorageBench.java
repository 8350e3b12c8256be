package io.blockraft.storage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Throughput of {@link RocksBlockStore} (not a test: prints numbers). Run with the storage test
 * classpath: {@code java -cp ... io.blockraft.storage.StorageBench [dir] [seconds] [lz4]}.
 * Volume: 512-byte logical blocks (the product default), 4 KiB-aligned I/O.
 */
public final class StorageBench {

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private static final int LBS = 512;
  private static final long SIZE = 2L << 30; // 2 GiB volume
  private static final long FILLED = 1L << 30; // first 1 GiB written sequentially

  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("bench");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    String opts = args.length > 2 ? args[2] : "";
    boolean lz4 = opts.contains("lz4");
    boolean wal = !opts.contains("nowal");
    try (RocksBlockStore store =
        RocksBlockStore.open(dir, RocksConfig.singleNode().withCompression(lz4).withWal(wal))) {
      Volume v = store.create("bench", SIZE / LBS, LBS);
      System.out.printf("dir=%s compression=%s wal=%s%n", dir, lz4 ? "lz4" : "none", wal);
      sequential(v, true, seconds);
      sequential(v, false, seconds);
      for (int threads : new int[] {1, 8}) {
        random(v, true, threads, seconds);
        random(v, false, threads, seconds);
      }
    }
  }

  /** 1 MiB sequential over the first GiB (wrapping). */
  private static void sequential(Volume v, boolean write, int seconds) {
    int len = 1 << 20;
    ByteBuffer buf = ByteBuffer.allocateDirect(len);
    long cpu0 = CPU.getCurrentThreadCpuTime();
    ThreadLocalRandom.current().nextBytes(new byte[0]);
    byte[] data = new byte[len];
    ThreadLocalRandom.current().nextBytes(data);
    buf.put(data);
    long bytes = 0;
    long start = System.nanoTime();
    long deadline = start + seconds * 1_000_000_000L;
    long off = 0;
    // the first write pass always covers the whole first GiB so reads see data
    while (System.nanoTime() < deadline || (write && bytes < FILLED)) {
      buf.clear();
      if (write) {
        v.write(off / LBS, len / LBS, buf);
      } else {
        v.read(off / LBS, len / LBS, buf);
      }
      bytes += len;
      off = (off + len) % FILLED;
    }
    double secs = (System.nanoTime() - start) / 1e9;
    double cpuSecs = (CPU.getCurrentThreadCpuTime() - cpu0) / 1e9;
    System.out.printf(
        "1 MiB sequential %-5s: %8.1f MB/s  (%.0f MB per CPU-second in the caller)%n",
        write ? "write" : "read",
        bytes / secs / 1e6,
        bytes / cpuSecs / 1e6);
  }

  private static void random(Volume v, boolean write, int threads, int seconds) throws Exception {
    LongAdder ops = new LongAdder();
    LongAdder cpuNanos = new LongAdder();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      Thread th =
          new Thread(
              () -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                byte[] data = new byte[4096];
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                rnd.nextBytes(data);
                buf.put(data);
                long units = FILLED / 4096;
                long n = 0;
                long cpu0 = CPU.getCurrentThreadCpuTime();
                while ((n & 63) != 0 || System.nanoTime() < deadline) {
                  long lba = rnd.nextLong(units) * (4096 / LBS);
                  buf.clear();
                  if (write) {
                    buf.putLong(0, n);
                    v.write(lba, 4096 / LBS, buf);
                  } else {
                    v.read(lba, 4096 / LBS, buf);
                  }
                  n++;
                }
                ops.add(n);
                cpuNanos.add(CPU.getCurrentThreadCpuTime() - cpu0);
              });
      th.start();
      workers.add(th);
    }
    for (Thread th : workers) {
      th.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "4 KiB random %-5s %d thread(s): %9.0f IOPS  (%.1f us CPU per op in the caller)%n",
        write ? "write" : "read",
        threads,
        ops.sum() / secs,
        cpuNanos.sum() / 1e3 / ops.sum());
  }
}
