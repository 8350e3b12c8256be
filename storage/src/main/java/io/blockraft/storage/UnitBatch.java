package io.blockraft.storage;

import java.nio.ByteBuffer;

/**
 * The changes one {@link Volume} call makes to stored units, applied together by {@link #commit()}
 * (one RocksDB WriteBatch in the durable store). Callers hold the write locks of every unit they
 * change.
 */
interface UnitBatch extends AutoCloseable {

  /** Stores the {@link BlockStore#UNIT_SIZE} bytes at {@code src}'s position, advancing it. */
  void put(long unit, ByteBuffer src);

  /** Deallocates one unit. */
  void delete(long unit);

  /** Deallocates units {@code [from, to)}. */
  void deleteRange(long from, long to);

  /** Records the volume's new capacity in the same atomic change. */
  void blockCount(long newBlockCount);

  void commit();

  @Override
  void close();
}
