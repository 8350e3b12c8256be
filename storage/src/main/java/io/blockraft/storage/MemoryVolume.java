package io.blockraft.storage;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** One volume of {@link MemoryBlockStore}: units in a sorted map of immutable 4 KiB arrays. */
final class MemoryVolume extends UnitVolume {

  private final MemoryBlockStore store;
  private final NavigableMap<Long, byte[]> units = new ConcurrentSkipListMap<>();
  private final Map<String, byte[]> meta = new ConcurrentHashMap<>();

  MemoryVolume(MemoryBlockStore store, String name, long blockCount, int logicalBlockSize) {
    super(name, blockCount, logicalBlockSize);
    this.store = store;
  }

  void clear() {
    units.clear();
    meta.clear();
  }

  @Override
  protected void readUnit(long unit, ByteBuffer dst) {
    byte[] data = units.get(unit);
    if (data == null) {
      zeroFill(dst, UNIT);
    } else {
      dst.put(data);
    }
  }

  @Override
  protected long nextUnit(long from, long to, boolean mapped) {
    if (from >= to) {
      return to;
    }
    if (mapped) {
      Long k = units.ceilingKey(from);
      return k == null || k >= to ? to : k;
    }
    long u = from;
    for (Long k : units.tailMap(from, true).keySet()) {
      if (u >= to || k != u) {
        break;
      }
      u++;
    }
    return Math.min(u, to);
  }

  @Override
  protected UnitBatch newBatch() {
    return new UnitBatch() {
      @Override
      public void put(long unit, ByteBuffer src) {
        byte[] data = new byte[UNIT];
        src.get(data);
        units.put(unit, data);
      }

      @Override
      public void delete(long unit) {
        units.remove(unit);
      }

      @Override
      public void deleteRange(long from, long to) {
        units.subMap(from, true, to, false).clear();
      }

      @Override
      public void blockCount(long newBlockCount) {}

      @Override
      public void commit() {}

      @Override
      public void close() {}
    };
  }

  @Override
  protected void enter() {
    store.checkOpen();
  }

  @Override
  protected void exit() {}

  @Override
  public void flush() {
    enter();
  }

  @Override
  public byte[] getMeta(String key) {
    enter();
    byte[] v = meta.get(key);
    return v == null ? null : v.clone();
  }

  @Override
  public void putMeta(String key, byte[] value) {
    enter();
    if (value == null) {
      meta.remove(key);
    } else {
      meta.put(key, value.clone());
    }
  }

  @Override
  public synchronized void putMetaAll(java.util.Map<String, byte[]> values) {
    enter();
    values.forEach(this::putMeta);
  }
}
