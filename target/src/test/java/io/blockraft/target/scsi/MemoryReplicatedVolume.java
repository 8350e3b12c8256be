package io.blockraft.target.scsi;

import io.blockraft.replication.ForwardingVolume;
import io.blockraft.replication.MetaListener;
import io.blockraft.replication.MetaTransform;
import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.replication.VolumeUnavailableException;
import io.blockraft.replication.WriteFencedException;
import io.blockraft.storage.LbaExtent;
import io.blockraft.target.scsi.pr.PrTransform;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A real in-memory {@link ReplicatedVolume} for in-JVM SCSI tests: sparse (one array per written
 * logical block; absent blocks read as zeros), every call atomic under one lock, futures complete
 * synchronously. {@link #setReady(boolean)} simulates a volume without quorum.
 */
public final class MemoryReplicatedVolume implements ReplicatedVolume {
  private final String name;
  private final int blockSize;
  private final byte[] uuid;
  private final TreeMap<Long, byte[]> blocks = new TreeMap<>();
  private final Map<String, byte[]> meta = new ConcurrentHashMap<>();
  private volatile long blockCount;
  private volatile boolean ready = true;
  private volatile int flushes;

  public MemoryReplicatedVolume(String name, int blockSize, long blockCount) {
    this(name, blockSize, blockCount, uuidBytes(UUID.nameUUIDFromBytes(name.getBytes())));
  }

  public MemoryReplicatedVolume(String name, int blockSize, long blockCount, byte[] uuid) {
    this.name = name;
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.uuid = uuid.clone();
  }

  private static byte[] uuidBytes(UUID u) {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
    return b.array();
  }

  private final java.util.List<java.util.function.IntConsumer> unresponsive =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void onReplicaUnresponsive(java.util.function.IntConsumer listener) {
    unresponsive.add(listener);
  }

  /** As the volume's leader would: node {@code nodeId} has not answered for a while. */
  public void reportUnresponsive(int nodeId) {
    unresponsive.forEach(l -> l.accept(nodeId));
  }

  private volatile CompletableFuture<Void> issuedGate = CompletableFuture.completedFuture(null);
  private volatile CompletableFuture<Void> issuedArrived = new CompletableFuture<>();

  /**
   * From now on, data changes sent through {@link #issuedBy} wait (as if on their way to the log)
   * until {@link #releaseIssuedChanges}; the returned future completes when the first arrives.
   */
  public CompletableFuture<Void> holdIssuedChanges() {
    issuedArrived = new CompletableFuture<>();
    issuedGate = new CompletableFuture<>();
    return issuedArrived;
  }

  /** Lets held changes go on, each judged then (as at apply time). */
  public void releaseIssuedChanges() {
    issuedGate.complete(null);
  }

  /**
   * As a replicated volume does: data changes carry the issuer and are judged by the node's write
   * guard ({@link MetaTransforms#guard}, the reservation one) when they are applied, atomically
   * with the change; refused ones fail with {@link WriteFencedException}, nothing changed.
   */
  @Override
  public ReplicatedVolume issuedBy(byte[] issuer) {
    byte[] id = issuer.clone();
    MemoryReplicatedVolume self = this;
    return new ForwardingVolume(this) {
      @Override
      public CompletableFuture<Void> write(long lba, int count, ByteBuffer src) {
        return judged(id, () -> self.write(lba, count, src));
      }

      @Override
      public CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify,
          ByteBuffer data) {
        return judged(id, () -> self.compareAndWrite(lba, count, verify, data));
      }

      @Override
      public CompletableFuture<Void> unmap(long lba, long count) {
        return judged(id, () -> self.unmap(lba, count));
      }

      @Override
      public CompletableFuture<Void> writeZeroes(long lba, long count) {
        return judged(id, () -> self.writeZeroes(lba, count));
      }
    };
  }

  private <T> CompletableFuture<T> judged(byte[] issuer, Supplier<CompletableFuture<T>> change) {
    issuedArrived.complete(null);
    return issuedGate.thenCompose(x -> {
      synchronized (this) {
        MetaTransforms.Guard g = transforms.guard();
        if (g != null && !g.guard().permits(meta.get(g.key()), issuer)) {
          return CompletableFuture.failedFuture(new WriteFencedException("refused by a reservation"));
        }
        return change.get();
      }
    });
  }

  public void setReady(boolean ready) {
    this.ready = ready;
  }

  /** Number of flush() calls so far. */
  public int flushes() {
    return flushes;
  }

  /** True when the block holds stored data (was written and not unmapped). */
  public synchronized boolean isMapped(long lba) {
    return blocks.containsKey(lba);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int logicalBlockSize() {
    return blockSize;
  }

  @Override
  public long blockCount() {
    return blockCount;
  }

  @Override
  public byte[] uuid() {
    return uuid.clone();
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  private <T> CompletableFuture<T> call(Supplier<T> op) {
    if (!ready) {
      return CompletableFuture.failedFuture(new VolumeUnavailableException(name + " not ready"));
    }
    try {
      synchronized (this) {
        return CompletableFuture.completedFuture(op.get());
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void checkRange(long lba, long count) {
    if (lba < 0 || count < 0 || lba + count > blockCount) {
      throw new IllegalArgumentException("range " + lba + "+" + count + " beyond " + blockCount);
    }
  }

  private void readInto(long lba, int count, ByteBuffer dst) {
    byte[] zero = new byte[blockSize];
    for (int i = 0; i < count; i++) {
      byte[] b = blocks.get(lba + i);
      dst.put(b == null ? zero : b);
    }
  }

  private void writeFrom(long lba, int count, ByteBuffer src) {
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[blockSize];
      src.get(b);
      blocks.put(lba + i, b);
    }
  }

  @Override
  public CompletableFuture<Void> read(long lba, int count, ByteBuffer dst) {
    return call(() -> {
      checkRange(lba, count);
      readInto(lba, count, dst);
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> write(long lba, int count, ByteBuffer src) {
    return call(() -> {
      checkRange(lba, count);
      writeFrom(lba, count, src);
      return null;
    });
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify, ByteBuffer data) {
    return call(() -> {
      checkRange(lba, count);
      ByteBuffer current = ByteBuffer.allocate(count * blockSize);
      readInto(lba, count, current);
      byte[] cur = current.array();
      byte[] ver = new byte[cur.length];
      verify.get(ver);
      int diff = Arrays.mismatch(cur, ver);
      if (diff >= 0) {
        return (long) diff;
      }
      writeFrom(lba, count, data);
      return -1L;
    });
  }

  @Override
  public CompletableFuture<Void> unmap(long lba, long count) {
    return call(() -> {
      checkRange(lba, count);
      blocks.subMap(lba, lba + count).clear();
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long lba, long count) {
    return unmap(lba, count);
  }

  @Override
  public CompletableFuture<LbaExtent> lbaStatus(long lba, long maxCount) {
    return call(() -> {
      checkRange(lba, 1);
      boolean mapped = blocks.containsKey(lba);
      long end = Math.min(blockCount, lba + maxCount);
      long n = 1;
      while (lba + n < end && blocks.containsKey(lba + n) == mapped) {
        n++;
      }
      return new LbaExtent(lba, n, mapped);
    });
  }

  @Override
  public CompletableFuture<Void> resize(long newBlockCount) {
    return call(() -> {
      blocks.tailMap(newBlockCount).clear();
      blockCount = newBlockCount;
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> flush() {
    return call(() -> {
      flushes++;
      return null;
    });
  }

  @Override
  public byte[] getMeta(String key) {
    byte[] v = meta.get(key);
    return v == null ? null : v.clone();
  }

  @Override
  public CompletableFuture<Void> putMeta(String key, byte[] value) {
    if (value == null) {
      meta.remove(key);
    } else {
      meta.put(key, value.clone());
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The node's transforms: the reservation transform is registered, as the node does before
   * volumes open; tests may register more.
   */
  public final MetaTransforms transforms = PrTransform.register(new MetaTransforms());
  private final io.blockraft.replication.MetaListeners listeners = new io.blockraft.replication.MetaListeners();
  private volatile MetaLog metaLog = (origin, key, op) -> origin.applyMeta(key, op);

  /**
   * How {@link #transformMeta} reaches the replicas: by default this volume alone; a shared log
   * (a test's stand-in for the Raft log) applies it to every replica in one order.
   */
  @FunctionalInterface
  public interface MetaLog {
    /** Applies {@code op} on every replica and returns {@code origin}'s result. */
    byte[] append(MemoryReplicatedVolume origin, String key, byte[] op);
  }

  /** Routes every later {@link #transformMeta} through {@code log}. */
  public void setMetaLog(MetaLog log) {
    this.metaLog = log;
  }

  @Override
  public CompletableFuture<byte[]> transformMeta(String key, byte[] op) {
    if (transforms.get(key) == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("no transform for " + key));
    }
    if (!ready) {
      return CompletableFuture.failedFuture(new VolumeUnavailableException(name + " not ready"));
    }
    try {
      return CompletableFuture.completedFuture(metaLog.append(this, key, op));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * This replica's apply of one transform: runs it on this replica's value, stores the new value
   * and tells the listener, atomically; returns the transform's result.
   */
  public byte[] applyMeta(String key, byte[] op) {
    MetaTransform t = transforms.get(key);
    if (t == null) {
      throw new IllegalArgumentException("no transform for " + key);
    }
    return listeners.applyLocally(key, op, t, meta::get, this::putMeta);
  }

  @Override
  public byte[] watchMeta(String key, MetaListener listener) {
    return listeners.addAndGet(key, listener, this::getMeta);
  }
}
