package io.blockraft.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory {@link BlockStore} with the same semantics as {@link RocksBlockStore} (the range
 * logic is shared through {@link UnitVolume}); nothing survives {@link #close()}. For unit tests
 * of the layers above storage.
 */
public final class MemoryBlockStore implements BlockStore {

  private final Map<String, MemoryVolume> volumes = new ConcurrentHashMap<>();
  private volatile boolean closed;

  @Override
  public synchronized Volume create(String name, long blockCount, int logicalBlockSize) {
    checkOpen();
    RocksBlockStore.checkName(name);
    if (volumes.containsKey(name)) {
      throw new IllegalArgumentException("volume exists: " + name);
    }
    MemoryVolume v = new MemoryVolume(this, name, blockCount, logicalBlockSize);
    volumes.put(name, v);
    return v;
  }

  @Override
  public Optional<Volume> volume(String name) {
    checkOpen();
    return Optional.ofNullable(volumes.get(name));
  }

  @Override
  public List<String> volumeNames() {
    checkOpen();
    List<String> names = new ArrayList<>(volumes.keySet());
    names.sort(null);
    return names;
  }

  @Override
  public synchronized void delete(String name) {
    checkOpen();
    MemoryVolume v = volumes.remove(name);
    if (v != null) {
      v.destroy(v::clear);
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("store closed");
    }
  }
}
