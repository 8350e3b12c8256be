package io.blockraft.replication;

import io.blockraft.storage.BlockStore;
import io.blockraft.storage.Volume;
import java.util.concurrent.Executor;

/** Opens single-node volumes over a {@link BlockStore}, creating them on first use. */
public final class LocalVolumes {

  private final BlockStore store;
  private final Executor executor;
  private final MetaTransforms transforms;

  public LocalVolumes(BlockStore store, Executor executor) {
    this(store, executor, new MetaTransforms());
  }

  public LocalVolumes(BlockStore store, Executor executor, MetaTransforms transforms) {
    this.store = store;
    this.executor = executor;
    this.transforms = transforms;
  }

  /**
   * The volume {@code name}, created with the given geometry when absent. An existing volume keeps
   * its stored geometry (capacity and block size are not changed here: resize is explicit).
   */
  public synchronized LocalReplicatedVolume open(String name, long blockCount, int logicalBlockSize) {
    Volume v = store.volume(name).orElseGet(() -> store.create(name, blockCount, logicalBlockSize));
    return new LocalReplicatedVolume(v, executor, transforms);
  }
}
