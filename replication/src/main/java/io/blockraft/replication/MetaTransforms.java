package io.blockraft.replication;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's {@link MetaTransform}s by metadata key, and its {@link WriteGuard}. Filled by the
 * node before any volume opens (replay after a restart applies transforms and guarded writes
 * before the SCSI layer is up), read by every volume.
 */
public final class MetaTransforms {

  private final Map<String, MetaTransform> byKey = new ConcurrentHashMap<>();

  /** Registers {@code transform} for {@code key}; a key has one transform. */
  public MetaTransforms register(String key, MetaTransform transform) {
    if (byKey.putIfAbsent(key, transform) != null) {
      throw new IllegalStateException("a transform for metadata key " + key + " is already registered");
    }
    return this;
  }

  /** The transform for {@code key}, or null. */
  public MetaTransform get(String key) {
    return byKey.get(key);
  }

  /** A {@link WriteGuard} and the metadata key whose value it judges by. */
  public record Guard(String key, WriteGuard guard) {}

  private volatile Guard guard;

  /** Registers the node's one write guard, judging by the value of {@code key}. */
  public MetaTransforms guardWrites(String key, WriteGuard g) {
    synchronized (this) {
      if (guard != null) {
        throw new IllegalStateException("a write guard is already registered");
      }
      guard = new Guard(key, g);
    }
    return this;
  }

  /** The write guard, or null when none is registered (every issued write applies). */
  public Guard guard() {
    return guard;
  }
}
