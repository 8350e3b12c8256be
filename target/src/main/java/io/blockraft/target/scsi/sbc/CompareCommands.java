package io.blockraft.target.scsi.sbc;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Commands that compare Data-Out with the medium: SBC-4 5.29-5.31 VERIFY(10/12/16), 5.2 COMPARE
 * AND WRITE and 5.8 ORWRITE(16) (read, OR, then an atomic compare-and-write so a concurrent writer
 * is never lost; retried until the compare holds).
 *
 * <p>A miscompare ends the command with MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION and the
 * INFORMATION field set to the offset of the first differing byte.
 */
final class CompareCommands {
  private CompareCommands() {}

  static CompletableFuture<ScsiResponse> verify(CommandContext ctx) {
    BlockCdb c = BlockCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    SbcChecks.noProtection(c);
    if (c.bytchk() == 2) {
      throw ScsiException.invalidCdbField(1, 2);
    }
    if (c.bytchk() != 0) {
      SbcChecks.transferLength(c.blocks(), bs, c.lengthByte());
    }
    SbcChecks.range(lu, c.lba(), c.blocks());
    if (c.bytchk() == 0 || c.blocks() == 0) {
      return SbcChecks.goodNow(0); // BYTCHK 0: medium verification only; our medium has no latent errors
    }
    if (c.bytchk() == 1) {
      long total = c.blocks() * bs;
      int n = SbcChecks.blocksOffered(ctx, c.blocks(), bs);
      if (n == 0) {
        return SbcChecks.goodNow(total);
      }
      int len = n * bs;
      return ctx.dataOut(len).thenCompose(out -> SbcChecks.using(out,
          o -> compareWithMedium(ctx, lu.volume(), c.lba(), n, o.nioBuffer(o.readerIndex(), len), len)))
          .thenApply(x -> SbcChecks.good(total));
    }
    // BYTCHK 11b: one block of Data-Out compared with every block of the range
    if (SbcChecks.blocksOffered(ctx, 1, bs) == 0) {
      return SbcChecks.goodNow(bs);
    }
    int n = (int) c.blocks();
    return ctx.dataOut(bs).thenCompose(out -> SbcChecks.using(out, o -> {
      ByteBuffer pattern = o.nioBuffer(o.readerIndex(), bs);
      ByteBuf medium = ctx.alloc(n * bs);
      return SbcChecks.using(medium, m -> lu.volume().read(c.lba(), n, m.nioBuffer(0, n * bs))
          .thenAccept(x -> {
            for (int i = 0; i < n; i++) {
              int diff = pattern.duplicate().mismatch(m.nioBuffer(i * bs, bs));
              if (diff >= 0) {
                throw miscompare((long) i * bs + diff);
              }
            }
          }));
    })).thenApply(x -> SbcChecks.good(bs));
  }

  private static CompletableFuture<Void> compareWithMedium(CommandContext ctx, ReplicatedVolume v,
      long lba, int n, ByteBuffer expected, int len) {
    ByteBuf medium = ctx.alloc(len);
    return SbcChecks.using(medium, m -> v.read(lba, n, m.nioBuffer(0, len)).thenAccept(x -> {
      int diff = expected.mismatch(m.nioBuffer(0, len));
      if (diff >= 0) {
        throw miscompare(diff);
      }
    }));
  }

  static ScsiException miscompare(long offset) {
    return ScsiException.withInformation(SenseReason.MISCOMPARE_DURING_VERIFY, offset);
  }

  /**
   * SBC-4 5.2 COMPARE AND WRITE: Data-Out holds the verify blocks then the write blocks; the
   * Data-Out length must be exactly twice the NUMBER OF LOGICAL BLOCKS (anything else is an
   * INVALID FIELD IN CDB, as libiscsi's InvalidDataOutSize expects). Atomic via the volume.
   */
  static CompletableFuture<ScsiResponse> compareAndWrite(CommandContext ctx) {
    BlockCdb c = BlockCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    SbcChecks.noProtection(c);
    if (c.blocks() > BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS) {
      throw ScsiException.invalidCdbField(13);
    }
    SbcChecks.range(lu, c.lba(), c.blocks());
    SbcChecks.writable(lu);
    int n = (int) c.blocks();
    int len = 2 * n * bs;
    if (Integer.toUnsignedLong(ctx.task().expectedDataTransferLength()) != len) {
      throw ScsiException.invalidCdbField(13);
    }
    if (n == 0) {
      return SbcChecks.goodNow(0);
    }
    return ctx.dataOut(len).thenCompose(buf -> SbcChecks.using(buf, b -> {
      int r = b.readerIndex();
      return ctx.volume().compareAndWrite(c.lba(), n, b.nioBuffer(r, n * bs), b.nioBuffer(r + n * bs, n * bs));
    })).thenCompose(result -> {
      if (result >= 0) {
        throw miscompare(result);
      }
      return SbcChecks.durable(lu, c.fua(), CompletableFuture.completedFuture(null));
    }).thenApply(x -> SbcChecks.good(len));
  }

  /** SBC-4 5.8 ORWRITE(16): the medium becomes (medium OR Data-Out), atomically per command. */
  static CompletableFuture<ScsiResponse> orWrite(CommandContext ctx) {
    BlockCdb c = BlockCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    SbcChecks.noProtection(c);
    SbcChecks.transferLength(c.blocks(), bs, c.lengthByte());
    SbcChecks.range(lu, c.lba(), c.blocks());
    SbcChecks.writable(lu);
    long total = c.blocks() * bs;
    int n = SbcChecks.blocksOffered(ctx, c.blocks(), bs);
    if (n == 0) {
      return SbcChecks.goodNow(total);
    }
    int len = n * bs;
    CompletableFuture<Void> written = ctx.dataOut(len).thenCompose(out -> SbcChecks.using(out, o -> {
      ByteBuf work = ctx.alloc(2 * len);
      return SbcChecks.using(work,
          w -> orLoop(ctx.volume(), c.lba(), n, o.nioBuffer(o.readerIndex(), len), w, len));
    }));
    return SbcChecks.durable(lu, c.fua(), written).thenApply(x -> SbcChecks.good(total));
  }

  /** Read, OR, compare-and-write; if someone wrote in between, start again with their data. */
  private static CompletableFuture<Void> orLoop(ReplicatedVolume v, long lba, int n,
      ByteBuffer operand, ByteBuf work, int len) {
    ByteBuffer current = work.nioBuffer(0, len);
    return v.read(lba, n, current.duplicate()).thenCompose(x -> {
      ByteBuffer next = work.nioBuffer(len, len);
      for (int i = 0; i < len; i += 8) {
        next.putLong(i, current.getLong(i) | operand.getLong(i));
      }
      return v.compareAndWrite(lba, n, current.duplicate(), next);
    }).thenCompose(result -> result < 0
        ? CompletableFuture.<Void>completedFuture(null)
        : orLoop(v, lba, n, operand, work, len));
  }
}
