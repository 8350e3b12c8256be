package io.blockraft.replication;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's {@link MetaTransform}s by metadata key. Filled by the node before any volume opens
 * (replay after a restart applies transforms before the SCSI layer is up), read by every volume.
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
}
