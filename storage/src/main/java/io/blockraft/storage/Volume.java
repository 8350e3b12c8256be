package io.blockraft.storage;

import java.nio.ByteBuffer;

/**
 * One thin-provisioned volume. Addresses are logical blocks of {@link #logicalBlockSize()} bytes.
 * A block never written (or unmapped) reads as zeros.
 *
 * <p>Thread safety: every method may be called concurrently. Each call is atomic with respect to
 * the stored units it touches (implementations lock units, so concurrent sub-unit writes to
 * different 512-byte blocks of one 4 KiB unit never lose each other's bytes).
 *
 * <p>Buffers: data is read from / written to the buffer's position, which is advanced by the
 * number of bytes transferred. Direct buffers avoid a copy in the RocksDB implementation.
 */
public interface Volume {

  String name();

  /** 512 or 4096. */
  int logicalBlockSize();

  /** Capacity in logical blocks. */
  long blockCount();

  /** Reads {@code count} blocks at {@code lba} into {@code dst} (needs count*lbs bytes remaining). */
  void read(long lba, int count, ByteBuffer dst);

  /** Writes {@code count} blocks at {@code lba} from {@code src}. A unit that becomes all zeros may be deallocated. */
  void write(long lba, int count, ByteBuffer src);

  /**
   * Atomically compares {@code count} blocks at {@code lba} with {@code verify} and, only when all
   * bytes are equal, writes {@code data} there. Atomic against every other call on this volume.
   *
   * @return -1 when equal and written; otherwise the byte offset of the first differing byte
   *     (nothing written)
   */
  long compareAndWrite(long lba, int count, ByteBuffer verify, ByteBuffer data);

  /** Deallocates {@code count} blocks at {@code lba}; they read as zeros afterwards. */
  void unmap(long lba, long count);

  /** Makes {@code count} blocks at {@code lba} read as zeros (deallocating whole units). */
  void writeZeroes(long lba, long count);

  /** The extent starting at {@code lba} whose blocks share one mapped state, at most {@code maxCount} blocks. */
  LbaExtent lbaStatus(long lba, long maxCount);

  /** Changes the capacity. Shrinking deallocates the blocks past the new end. */
  void resize(long newBlockCount);

  /** Makes everything written so far durable (fsync of the store's log). */
  void flush();

  /** Small per-volume metadata (reservation state, identifiers); null when absent. */
  byte[] getMeta(String key);

  /** Stores (or with null, removes) per-volume metadata durably. */
  void putMeta(String key, byte[] value);

  /**
   * Stores several metadata values (null values remove) in one atomic step: after a crash either
   * all of them are there or none. The replicated state machine stores a non-idempotent change
   * together with its log index this way.
   */
  void putMetaAll(java.util.Map<String, byte[]> values);
}
