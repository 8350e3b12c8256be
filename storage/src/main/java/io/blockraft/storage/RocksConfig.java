package io.blockraft.storage;

/**
 * Tunables of {@link RocksBlockStore}, and the one place that decides how writes are made durable.
 *
 * @param blockCacheBytes LRU block cache; memtables are charged to it too, so this bounds the
 *     store's memory (plus index/filter blocks, which are also cached)
 * @param writeBufferBytes size of one data memtable
 * @param walEnabled true in single-node mode: RocksDB's WAL is the durability (a write returns
 *     after its WAL record reached the OS, so it survives kill -9 of the process; {@code flush()}
 *     fsyncs the WAL). False once the Raft log is the WAL (replication issue).
 * @param compression LZ4 on data units
 */
public record RocksConfig(
    long blockCacheBytes, long writeBufferBytes, boolean walEnabled, boolean compression) {

  public static final long MIB = 1024L * 1024;

  public RocksConfig {
    if (blockCacheBytes < 8 * MIB || writeBufferBytes < MIB || writeBufferBytes * 2 > blockCacheBytes) {
      throw new IllegalArgumentException(
          "need blockCacheBytes >= 8 MiB and >= 2 * writeBufferBytes >= 2 MiB");
    }
  }

  /** Defaults for one node: 256 MiB cache, 64 MiB memtables, WAL on, no compression. */
  public static RocksConfig singleNode() {
    return new RocksConfig(256 * MIB, 64 * MIB, true, false);
  }

  public RocksConfig withWal(boolean enabled) {
    return new RocksConfig(blockCacheBytes, writeBufferBytes, enabled, compression);
  }

  public RocksConfig withCompression(boolean enabled) {
    return new RocksConfig(blockCacheBytes, writeBufferBytes, walEnabled, enabled);
  }

  public RocksConfig withBlockCache(long bytes) {
    return new RocksConfig(bytes, Math.min(writeBufferBytes, bytes / 4), walEnabled, compression);
  }
}
