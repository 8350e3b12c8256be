package io.blockraft.replication.cluster;

import io.blockraft.replication.cluster.LinearizabilityChecker.Kind;
import io.blockraft.replication.volume.RaftVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Clients contending for a few 512-byte blocks of one volume, each through its home node, every
 * operation recorded in an {@link OpLog}. Each write stores a block stamped with (client,
 * sequence) all through, so a read names the write it saw, and a torn or misplaced block shows.
 *
 * <p>A client waits a bounded time for each operation, then moves on and leaves it pending (it
 * stays in the log and completes there whenever its future does); after a failure it backs off
 * briefly, so a node that cannot serve is not spun on.
 */
final class BlockWorkload implements AutoCloseable {

  static final int BLOCK_BYTES = 512;
  /** Client ids above the workload's, for operations a test submits itself. */
  static final int PROBE_CLIENT = 100;
  private static final long OP_WAIT_MS = 2_000;
  private static final long BACKOFF_MS = 25;

  private final long seed;
  private final int clients;
  private final int blocks;
  private final int nodes;
  private final IntFunction<CompletableFuture<RaftVolume>> volumeOn;
  private final OpLog log;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final List<Thread> threads = new ArrayList<>();

  /**
   * @param volumeOn the replica currently open on a node (a future that completes once it is up)
   */
  BlockWorkload(long seed, int clients, int blocks, int nodes, IntFunction<CompletableFuture<RaftVolume>> volumeOn,
      OpLog log) {
    this.seed = seed;
    this.clients = clients;
    this.blocks = blocks;
    this.nodes = nodes;
    this.volumeOn = volumeOn;
    this.log = log;
  }

  /** Client {@code c} (1-based) uses node {@code (c - 1) % nodes + 1}. */
  int homeNode(int client) {
    return (client - 1) % nodes + 1;
  }

  BlockWorkload start() {
    for (int c = 1; c <= clients; c++) {
      int client = c;
      Thread t = new Thread(() -> run(client, new Random(seed * 31 + client)), "lin-client-" + client);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  private void run(int client, Random rnd) {
    int node = homeNode(client);
    long seq = 0;
    while (stop.getCount() > 0) {
      RaftVolume v;
      try {
        v = volumeOn.apply(node).get(OP_WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        continue; // the node is down: wait for it
      } catch (InterruptedException e) {
        return;
      }
      int block = rnd.nextInt(blocks);
      CompletableFuture<Long> f = rnd.nextBoolean()
          ? write(log, client, node, v, block, stamp(client, ++seq))
          : read(log, client, node, v, block);
      try {
        f.get(OP_WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // left pending in the log
      } catch (ExecutionException e) {
        pause(BACKOFF_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Waits up to {@code ms}, or less if the workload stops meanwhile. */
  private void pause(long ms) {
    try {
      stop.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the clients and waits for their threads (each waits at most one op for its result). */
  @Override
  public void close() throws InterruptedException {
    stop.countDown();
    for (Thread t : threads) {
      t.join(4 * OP_WAIT_MS);
    }
  }

  // ------------------------------------------------------------------ recorded operations

  /** Writes {@code value}'s stamp to {@code block}; the future yields the value once acknowledged. */
  static CompletableFuture<Long> write(OpLog log, int client, int node, RaftVolume v, int block, long value) {
    OpLog.Entry e = log.invoke(client, node, Kind.WRITE, block, value);
    CompletableFuture<Long> f;
    try {
      f = v.write(block, 1, encode(block, value)).thenApply(x -> value);
    } catch (RuntimeException ex) {
      f = CompletableFuture.failedFuture(ex);
    }
    return log.track(e, f);
  }

  /** Reads {@code block}; the future yields the stamp found (or ZEROS or GARBLED). */
  static CompletableFuture<Long> read(OpLog log, int client, int node, RaftVolume v, int block) {
    OpLog.Entry e = log.invoke(client, node, Kind.READ, block, 0);
    ByteBuffer dst = ByteBuffer.allocate(BLOCK_BYTES);
    CompletableFuture<Long> f;
    try {
      f = v.read(block, 1, dst).thenApply(x -> decode(block, dst.array()));
    } catch (RuntimeException ex) {
      f = CompletableFuture.failedFuture(ex);
    }
    return log.track(e, f);
  }

  // ------------------------------------------------------------------ stamps

  static long stamp(int client, long seq) {
    return ((long) client << 40) | seq;
  }

  /** The block's bytes for {@code value}: (value, block, offset) repeated. */
  static ByteBuffer encode(int block, long value) {
    ByteBuffer b = ByteBuffer.allocate(BLOCK_BYTES);
    while (b.hasRemaining()) {
      b.putLong(value).putInt(block).putInt(b.position());
    }
    return b.flip();
  }

  static long decode(int block, byte[] bytes) {
    long value = ByteBuffer.wrap(bytes).getLong();
    if (value == LinearizabilityChecker.ZEROS) {
      return Arrays.equals(bytes, new byte[BLOCK_BYTES]) ? LinearizabilityChecker.ZEROS
          : LinearizabilityChecker.GARBLED;
    }
    return Arrays.equals(bytes, encode(block, value).array()) ? value : LinearizabilityChecker.GARBLED;
  }
}
