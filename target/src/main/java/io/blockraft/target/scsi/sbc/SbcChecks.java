package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * The checks every SBC handler runs, in the order SBC-4 and libiscsi expect: CDB fields, then the
 * LBA range (SBC-4 4.5: LOGICAL BLOCK ADDRESS OUT OF RANGE), then write protection (SBC-4 4.11:
 * DATA PROTECT, WRITE PROTECTED), then the data transfer.
 */
final class SbcChecks {
  private SbcChecks() {}

  /** RDPROTECT/WRPROTECT/VRPROTECT/ORPROTECT must be zero: this target has no protection information. */
  static void noProtection(BlockCdb c) {
    if (c.protect() != 0) {
      throw ScsiException.invalidCdbField(1, 7);
    }
  }

  /** TRANSFER LENGTH above the Block Limits MAXIMUM TRANSFER LENGTH: INVALID FIELD IN CDB. */
  static void transferLength(long blocks, int blockSize, int lengthByte) {
    if (blocks > BlockLimits.maxTransferBlocks(blockSize)) {
      throw ScsiException.invalidCdbField(lengthByte);
    }
  }

  /**
   * SBC-4 4.5: the range [lba, lba+blocks) must lie within the capacity; a zero-length range may
   * start at the capacity but not beyond. {@code lba} is unsigned (negative = at least 2^63).
   */
  static void range(LogicalUnit lu, long lba, long blocks) {
    long cap = lu.volume().blockCount();
    if (lba < 0 || blocks < 0 || lba > cap || blocks > cap - lba) {
      throw new ScsiException(SenseReason.LBA_OUT_OF_RANGE);
    }
  }

  /** SBC-4 4.11: media-modifying commands on a write-protected LU. */
  static void writable(LogicalUnit lu) {
    if (lu.readOnly()) {
      throw new ScsiException(SenseReason.WRITE_PROTECTED);
    }
  }

  /**
   * The number of whole blocks of Data-Out the initiator offered: the command's blocks, or fewer
   * when EDTL is smaller (the transport reports the residual overflow; we write what arrived).
   */
  static int blocksOffered(CommandContext ctx, long blocks, int blockSize) {
    long edtl = Integer.toUnsignedLong(ctx.task().expectedDataTransferLength());
    return (int) Math.min(blocks, edtl / blockSize);
  }

  /** Blocks to read for Data-In: enough to fill EDTL (rounded up), never more than the command's. */
  static int blocksWanted(CommandContext ctx, long blocks, int blockSize) {
    long edtl = Integer.toUnsignedLong(ctx.task().expectedDataTransferLength());
    return (int) Math.min(blocks, (edtl + blockSize - 1) / blockSize);
  }

  /** GOOD, no Data-In, reporting the command's transfer length (for residuals). */
  static ScsiResponse good(long transferLength) {
    return new ScsiResponse(ScsiStatus.GOOD, null, null, (int) Math.min(transferLength, Integer.MAX_VALUE));
  }

  static CompletableFuture<ScsiResponse> goodNow(long transferLength) {
    return CompletableFuture.completedFuture(good(transferLength));
  }

  /**
   * SBC-4 4.15 / 5.43: FUA=1, or WCE=0 in the caching mode page (every write is then FUA), makes
   * the write reach non-volatile storage before GOOD: the volume is flushed after {@code write}.
   */
  static CompletableFuture<Void> durable(LogicalUnit lu, boolean fua, CompletableFuture<Void> write) {
    if (!fua && lu.modePages().writeCacheEnabled()) {
      return write;
    }
    return write.thenCompose(x -> lu.volume().flush());
  }

  /** Releases {@code buf} when {@code f} completes, either way. */
  static <T> CompletableFuture<T> releasing(CompletableFuture<T> f, ByteBuf buf) {
    return f.whenComplete((r, e) -> buf.release());
  }

  /** Runs {@code body} on a buffer, releasing it if {@code body} throws before returning a future. */
  static <T> CompletableFuture<T> using(ByteBuf buf, java.util.function.Function<ByteBuf, CompletableFuture<T>> body) {
    CompletableFuture<T> f;
    try {
      f = body.apply(buf);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
    return releasing(f, buf);
  }
}
