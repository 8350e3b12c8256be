package io.blockraft.target.scsi;

import java.util.List;

/**
 * A test's stand-in for one volume's Raft log across nodes: every {@code transformMeta} on any of
 * the replicas is appended here and applied to every replica (its own value, its own transform,
 * its own listener) in one total order, the issuer's result going back to the issuer. What the
 * SCSI layer sees of a replicated volume's metadata, without Raft.
 */
public final class SharedMetaLog {
  private final List<MemoryReplicatedVolume> replicas;
  private int length;

  /** Routes the metadata transforms of {@code replicas} (one per node) through one log. */
  public SharedMetaLog(MemoryReplicatedVolume... replicas) {
    this.replicas = List.of(replicas);
    for (MemoryReplicatedVolume r : replicas) {
      r.setMetaLog(this::append);
    }
  }

  private synchronized byte[] append(MemoryReplicatedVolume origin, String key, byte[] op) {
    length++;
    byte[] result = null;
    for (MemoryReplicatedVolume r : replicas) {
      byte[] applied = r.applyMeta(key, op.clone());
      if (r == origin) {
        result = applied;
      }
    }
    return result;
  }

  /** Entries appended so far. */
  public synchronized int length() {
    return length;
  }
}
