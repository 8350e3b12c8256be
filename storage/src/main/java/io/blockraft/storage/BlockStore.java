package io.blockraft.storage;

import java.util.List;
import java.util.Optional;

/**
 * A set of thin-provisioned volumes kept in 4 KiB stored units keyed by (volume, unit index).
 * Knows nothing of SCSI or Raft. Implementations: {@link RocksBlockStore} (durable) and
 * {@link MemoryBlockStore} (unit tests of one class).
 */
public interface BlockStore extends AutoCloseable {

  /** Size of one stored unit. Logical blocks of 512 bytes are read-modify-written inside a unit. */
  int UNIT_SIZE = 4096;

  /**
   * Creates a volume. {@code logicalBlockSize} is 512 or 4096; {@code blockCount} is in logical blocks.
   *
   * @throws IllegalArgumentException for a bad block size, a non-positive count or a name in use
   */
  Volume create(String name, long blockCount, int logicalBlockSize);

  /** The volume, if it exists. */
  Optional<Volume> volume(String name);

  /** Names of all volumes, sorted. */
  List<String> volumeNames();

  /** Deletes a volume and all its data. No-op when absent. */
  void delete(String name);

  @Override
  void close();
}
