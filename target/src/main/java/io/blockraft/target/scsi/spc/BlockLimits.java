package io.blockraft.target.scsi.spc;

/**
 * The limits this target publishes in the SBC-4 6.6.4 Block Limits VPD page (B0h), and enforces in
 * the block commands. One place, so what INQUIRY reports and what SBC commands check never drift.
 * Limits in blocks depend on the logical block size, hence the methods.
 */
public final class BlockLimits {
  /** Physical block (stored unit) size: 4 KiB. */
  public static final int PHYSICAL_BLOCK_BYTES = 4096;
  /** MAXIMUM TRANSFER LENGTH in bytes (READ/WRITE/VERIFY/...): 32 MiB. */
  public static final int MAX_TRANSFER_BYTES = 32 << 20;
  /** OPTIMAL TRANSFER LENGTH in bytes: 1 MiB. */
  public static final int OPTIMAL_TRANSFER_BYTES = 1 << 20;
  /** MAXIMUM COMPARE AND WRITE LENGTH in blocks (the CDB field is one byte). */
  public static final int MAX_COMPARE_AND_WRITE_BLOCKS = 255;
  /** MAXIMUM UNMAP LBA COUNT: total blocks in one UNMAP command (libiscsi: at most 1 Mi when not unlimited). */
  public static final long MAX_UNMAP_LBA_COUNT = 1L << 20;
  /** MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT. */
  public static final int MAX_UNMAP_DESCRIPTORS = 256;
  /** MAXIMUM WRITE SAME LENGTH in bytes: 256 MiB. */
  public static final long MAX_WRITE_SAME_BYTES = 256L << 20;
  /** MAXIMUM ATOMIC TRANSFER LENGTH in bytes (WRITE ATOMIC(16)): 1 MiB, never fewer than 256 blocks. */
  public static final int MAX_ATOMIC_TRANSFER_BYTES = 1 << 20;
  /** Minimum MAXIMUM ATOMIC TRANSFER LENGTH in blocks (libiscsi writes 1..256 blocks atomically). */
  public static final int MIN_MAX_ATOMIC_TRANSFER_BLOCKS = 256;
  /** ATOMIC ALIGNMENT in blocks (1: any LBA). */
  public static final int ATOMIC_ALIGNMENT = 1;
  /** ATOMIC TRANSFER LENGTH GRANULARITY in blocks (1: any length). */
  public static final int ATOMIC_GRANULARITY = 1;
  /** WSNZ: false, a WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 means "to the end of the LU". */
  public static final boolean WRITE_SAME_NON_ZERO = false;

  private BlockLimits() {}

  /** MAXIMUM TRANSFER LENGTH in logical blocks. */
  public static int maxTransferBlocks(int blockSize) {
    return MAX_TRANSFER_BYTES / blockSize;
  }

  /** OPTIMAL TRANSFER LENGTH in logical blocks. */
  public static int optimalTransferBlocks(int blockSize) {
    return OPTIMAL_TRANSFER_BYTES / blockSize;
  }

  /** OPTIMAL TRANSFER LENGTH GRANULARITY and OPTIMAL UNMAP GRANULARITY: one physical block. */
  public static int physicalBlockBlocks(int blockSize) {
    return Math.max(1, PHYSICAL_BLOCK_BYTES / blockSize);
  }

  /**
   * MAXIMUM WRITE SAME LENGTH in logical blocks: 256 MiB, but never more blocks than one data
   * transfer may carry, so an initiator that writes "max WRITE SAME length" blocks with a plain
   * WRITE (libiscsi's WriteSame16.Unmap does) stays within MAXIMUM TRANSFER LENGTH.
   */
  public static long maxWriteSameBlocks(int blockSize) {
    return Math.min(MAX_WRITE_SAME_BYTES / blockSize, maxTransferBlocks(blockSize));
  }

  /** MAXIMUM ATOMIC TRANSFER LENGTH in logical blocks (never more than the maximum transfer length). */
  public static int maxAtomicTransferBlocks(int blockSize) {
    int n = Math.max(MIN_MAX_ATOMIC_TRANSFER_BLOCKS, MAX_ATOMIC_TRANSFER_BYTES / blockSize);
    return Math.min(n, maxTransferBlocks(blockSize));
  }
}
