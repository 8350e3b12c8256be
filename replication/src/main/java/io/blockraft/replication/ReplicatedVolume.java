package io.blockraft.replication;

import io.blockraft.storage.LbaExtent;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The volume as the SCSI layer sees it. Every mutating call completes only when the change is
 * durable by this volume's rule (single node: in the store's log; replicated: committed on a
 * majority and applied here). Calls never block the caller: the blocking work runs on the
 * volume's executor, and the futures complete there.
 *
 * <p>Reads complete only with data that reflects every write acknowledged before the read began.
 * When the volume cannot serve (no quorum), futures fail with {@link VolumeUnavailableException}.
 */
public interface ReplicatedVolume {

  String name();

  int logicalBlockSize();

  long blockCount();

  /**
   * Stable 16-byte identifier of this volume, the same on every node (basis of the NAA
   * designator and the unit serial number).
   */
  byte[] uuid();

  /** True when the volume can serve I/O now. */
  boolean isReady();

  CompletableFuture<Void> read(long lba, int count, ByteBuffer dst);

  CompletableFuture<Void> write(long lba, int count, ByteBuffer src);

  /** See {@link io.blockraft.storage.Volume#compareAndWrite}: -1 when written, else the miscompare offset. */
  CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify, ByteBuffer data);

  CompletableFuture<Void> unmap(long lba, long count);

  CompletableFuture<Void> writeZeroes(long lba, long count);

  CompletableFuture<LbaExtent> lbaStatus(long lba, long maxCount);

  CompletableFuture<Void> resize(long newBlockCount);

  /** Makes all completed writes durable (SYNCHRONIZE CACHE). */
  CompletableFuture<Void> flush();

  byte[] getMeta(String key);

  CompletableFuture<Void> putMeta(String key, byte[] value);

  /**
   * Runs the {@link MetaTransform} registered for {@code key} (see {@link MetaTransforms}) as one
   * replicated step, evaluated at apply time on every replica. Completes with the transform's
   * result once it is committed and applied on this node; fails with {@link
   * VolumeUnavailableException} when the volume cannot serve, or with IllegalArgumentException
   * when no transform is registered for the key.
   */
  CompletableFuture<byte[]> transformMeta(String key, byte[] op);

  /**
   * Completes with true once every other replica has applied everything this node has applied so
   * far, or with false after {@code maxWaitMillis} (a replica that is down or cut off never
   * confirms); never exceptionally. For effects other nodes must show by the time this node
   * answers, such as the unit attention of a reset. A single copy completes at once, with true.
   */
  default CompletableFuture<Boolean> awaitReplicas(long maxWaitMillis) {
    return CompletableFuture.completedFuture(true);
  }

  /**
   * Registers {@code listener} to hear, on the node that currently leads the volume, the node id
   * of a replica that has not answered it for a while (Ratis's follower slowness, see
   * RatisSettings): repeatedly, for as long as it stays silent. Called on a Ratis thread: the
   * listener must not block. A single copy never calls it.
   */
  default void onReplicaUnresponsive(java.util.function.IntConsumer listener) {}

  /**
   * This volume with its data changes (write, compareAndWrite, unmap, writeZeroes) sent on behalf
   * of {@code issuer}, opaque bytes the node's {@link WriteGuard} understands (the SCSI layer's
   * I_T nexus). Where changes are replicated, the guard judges each one at its place in the log on
   * every replica and a refused one fails with {@link WriteFencedException}, nothing changed.
   * A single copy decides every command where it is checked already, and returns itself.
   */
  default ReplicatedVolume issuedBy(byte[] issuer) {
    return this;
  }

  /**
   * Watches {@code key}: {@code listener} hears of every transform of the key applied on this
   * node from now on, in log order. Returns the key's value at the moment of registration (null
   * when absent), so nothing applied is missed or seen twice. A key may have several listeners
   * (one per logical unit over the volume).
   */
  byte[] watchMeta(String key, MetaListener listener);
}
