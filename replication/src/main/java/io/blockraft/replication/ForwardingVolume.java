package io.blockraft.replication;

import io.blockraft.storage.LbaExtent;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/** A {@link ReplicatedVolume} that passes every call to another; views override what they change. */
public abstract class ForwardingVolume implements ReplicatedVolume {

  private final ReplicatedVolume base;

  protected ForwardingVolume(ReplicatedVolume base) {
    this.base = base;
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public int logicalBlockSize() {
    return base.logicalBlockSize();
  }

  @Override
  public long blockCount() {
    return base.blockCount();
  }

  @Override
  public byte[] uuid() {
    return base.uuid();
  }

  @Override
  public boolean isReady() {
    return base.isReady();
  }

  @Override
  public CompletableFuture<Void> read(long lba, int count, ByteBuffer dst) {
    return base.read(lba, count, dst);
  }

  @Override
  public CompletableFuture<Void> write(long lba, int count, ByteBuffer src) {
    return base.write(lba, count, src);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify, ByteBuffer data) {
    return base.compareAndWrite(lba, count, verify, data);
  }

  @Override
  public CompletableFuture<Void> unmap(long lba, long count) {
    return base.unmap(lba, count);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long lba, long count) {
    return base.writeZeroes(lba, count);
  }

  @Override
  public CompletableFuture<LbaExtent> lbaStatus(long lba, long maxCount) {
    return base.lbaStatus(lba, maxCount);
  }

  @Override
  public CompletableFuture<Void> resize(long newBlockCount) {
    return base.resize(newBlockCount);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return base.flush();
  }

  @Override
  public byte[] getMeta(String key) {
    return base.getMeta(key);
  }

  @Override
  public CompletableFuture<Void> putMeta(String key, byte[] value) {
    return base.putMeta(key, value);
  }

  @Override
  public CompletableFuture<byte[]> transformMeta(String key, byte[] op) {
    return base.transformMeta(key, op);
  }

  @Override
  public CompletableFuture<Boolean> awaitReplicas(long maxWaitMillis) {
    return base.awaitReplicas(maxWaitMillis);
  }

  @Override
  public void onReplicaUnresponsive(IntConsumer listener) {
    base.onReplicaUnresponsive(listener);
  }

  @Override
  public ReplicatedVolume issuedBy(byte[] issuer) {
    return base.issuedBy(issuer);
  }

  @Override
  public byte[] watchMeta(String key, MetaListener listener) {
    return base.watchMeta(key, listener);
  }
}
