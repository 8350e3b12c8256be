package io.blockraft.replication;

import io.blockraft.storage.LbaExtent;
import io.blockraft.storage.Volume;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Single-node {@link ReplicatedVolume}: a pass-through to one storage {@link Volume}. Durability is
 * the store's (RocksDB WAL in single-node mode), so a write's future completes once the store
 * call returned. Blocking work runs on the executor passed in (a bounded pool shared by the node's
 * volumes); futures complete on it. A full pool fails the future with {@link
 * VolumeUnavailableException} rather than blocking the caller.
 *
 * <p>{@link #uuid()} is 16 random bytes made when the volume is first opened and kept in the
 * volume metadata under {@value #UUID_KEY}, so it survives restarts.
 */
public final class LocalReplicatedVolume implements ReplicatedVolume, AutoCloseable {

  static final String UUID_KEY = "uuid";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Volume volume;
  private final Executor executor;
  private final byte[] uuid;
  private final MetaTransforms transforms;
  private final io.blockraft.replication.MetaListeners listeners = new io.blockraft.replication.MetaListeners();
  private volatile boolean open = true;

  /** Opens {@code volume}, creating and storing its uuid the first time. */
  public LocalReplicatedVolume(Volume volume, Executor executor) {
    this(volume, executor, new MetaTransforms());
  }

  /** Opens {@code volume} with the node's metadata transforms. */
  public LocalReplicatedVolume(Volume volume, Executor executor, MetaTransforms transforms) {
    this.volume = volume;
    this.executor = executor;
    this.transforms = transforms;
    this.uuid = loadOrCreateUuid(volume);
  }

  private static byte[] loadOrCreateUuid(Volume volume) {
    synchronized (volume) {
      byte[] id = volume.getMeta(UUID_KEY);
      if (id == null || id.length != 16) {
        id = new byte[16];
        RANDOM.nextBytes(id);
        volume.putMeta(UUID_KEY, id);
        volume.flush();
      }
      return id;
    }
  }

  /** The storage volume underneath (for the node's admin paths). */
  public Volume volume() {
    return volume;
  }

  @Override
  public String name() {
    return volume.name();
  }

  @Override
  public int logicalBlockSize() {
    return volume.logicalBlockSize();
  }

  @Override
  public long blockCount() {
    return volume.blockCount();
  }

  @Override
  public byte[] uuid() {
    return uuid.clone();
  }

  @Override
  public boolean isReady() {
    return open;
  }

  /** Stops serving: later calls fail with {@link VolumeUnavailableException}. */
  @Override
  public void close() {
    open = false;
  }

  @Override
  public CompletableFuture<Void> read(long lba, int count, ByteBuffer dst) {
    return run(() -> volume.read(lba, count, dst));
  }

  @Override
  public CompletableFuture<Void> write(long lba, int count, ByteBuffer src) {
    return run(() -> volume.write(lba, count, src));
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(
      long lba, int count, ByteBuffer verify, ByteBuffer data) {
    return call(() -> volume.compareAndWrite(lba, count, verify, data));
  }

  @Override
  public CompletableFuture<Void> unmap(long lba, long count) {
    return run(() -> volume.unmap(lba, count));
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long lba, long count) {
    return run(() -> volume.writeZeroes(lba, count));
  }

  @Override
  public CompletableFuture<LbaExtent> lbaStatus(long lba, long maxCount) {
    return call(() -> volume.lbaStatus(lba, maxCount));
  }

  @Override
  public CompletableFuture<Void> resize(long newBlockCount) {
    return run(() -> volume.resize(newBlockCount));
  }

  @Override
  public CompletableFuture<Void> flush() {
    return run(volume::flush);
  }

  @Override
  public byte[] getMeta(String key) {
    return volume.getMeta(key);
  }

  @Override
  public CompletableFuture<Void> putMeta(String key, byte[] value) {
    return run(() -> volume.putMeta(key, value));
  }

  /**
   * Single node: the transform runs under this volume's metadata lock, so transforms of one key
   * are serialised; the new value is stored (synchronously durable, as every metadata write)
   * before the result is returned.
   */
  @Override
  public CompletableFuture<byte[]> transformMeta(String key, byte[] op) {
    MetaTransform t = transforms.get(key);
    if (t == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("no metadata transform registered for " + key));
    }
    return call(() -> listeners.applyLocally(key, op, t, volume::getMeta, volume::putMeta));
  }

  @Override
  public byte[] watchMeta(String key, MetaListener listener) {
    return listeners.addAndGet(key, listener, volume::getMeta);
  }

  private CompletableFuture<Void> run(Runnable work) {
    return call(
        () -> {
          work.run();
          return null;
        });
  }

  private <T> CompletableFuture<T> call(Supplier<T> work) {
    if (!open) {
      return CompletableFuture.failedFuture(
          new VolumeUnavailableException("volume " + volume.name() + " is closed"));
    }
    try {
      return CompletableFuture.supplyAsync(work, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new VolumeUnavailableException("volume " + volume.name() + " is busy: " + e.getMessage()));
    }
  }
}
