package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.spc.BlockLimits;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * SBC-4 5.15-5.18 READ(6/10/12/16), 5.40-5.43 WRITE(6/10/12/16), 5.44-5.46 WRITE AND VERIFY
 * (10/12/16) and 5.48 WRITE ATOMIC(16).
 *
 * <p>DPO and FUA are accepted (MODE SENSE reports DPOFUA=1). FUA (and WCE=0, and WRITE AND
 * VERIFY) flush the volume after the write, see {@link SbcChecks#durable}. When the
 * initiator's EDTL is smaller than the transfer length, only the whole blocks it offered are
 * written (or the blocks needed to fill EDTL are read); the transport reports the residual.
 */
final class ReadWrite {
  private ReadWrite() {}

  static CompletableFuture<ScsiResponse> read(CommandContext ctx) {
    BlockCdb c = BlockCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    SbcChecks.noProtection(c);
    SbcChecks.transferLength(c.blocks(), bs, c.lengthByte());
    SbcChecks.range(lu, c.lba(), c.blocks());
    long total = c.blocks() * bs;
    int n = SbcChecks.blocksWanted(ctx, c.blocks(), bs);
    if (n == 0) {
      return SbcChecks.goodNow(total);
    }
    int len = n * bs;
    int send = (int) Math.min(len, Integer.toUnsignedLong(ctx.task().expectedDataTransferLength()));
    ByteBuf buf = ctx.alloc(len);
    CompletableFuture<Void> f;
    try {
      f = lu.volume().read(c.lba(), n, buf.nioBuffer(0, len));
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
    return f.handle((x, err) -> {
      if (err != null) {
        buf.release();
        throw err instanceof CompletionException ce ? ce : new CompletionException(err);
      }
      buf.writerIndex(send);
      return ScsiResponse.good(buf, (int) total);
    });
  }

  /** WRITE(6/10/12/16) and WRITE AND VERIFY(10/12/16). */
  static CompletableFuture<ScsiResponse> write(CommandContext ctx) {
    BlockCdb c = BlockCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    SbcChecks.noProtection(c);
    if (isWriteAndVerify(c.opcode()) && c.bytchk() > 1) {
      throw ScsiException.invalidCdbField(1, 2); // BYTCHK 10b/11b not supported for WRITE AND VERIFY
    }
    SbcChecks.transferLength(c.blocks(), bs, c.lengthByte());
    SbcChecks.range(lu, c.lba(), c.blocks());
    SbcChecks.writable(lu);
    return writeOffered(ctx, lu, c, bs);
  }

  /**
   * SBC-4 5.48 WRITE ATOMIC(16): the Block Limits atomic limits apply (length, alignment,
   * granularity); the volume writes one command's blocks in one atomic batch.
   */
  static CompletableFuture<ScsiResponse> writeAtomic(CommandContext ctx) {
    BlockCdb c = BlockCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    SbcChecks.noProtection(c);
    if (c.blocks() > BlockLimits.maxAtomicTransferBlocks(bs)
        || c.blocks() % BlockLimits.ATOMIC_GRANULARITY != 0) {
      throw ScsiException.invalidCdbField(c.lengthByte());
    }
    if (Long.remainderUnsigned(c.lba(), BlockLimits.ATOMIC_ALIGNMENT) != 0) {
      throw ScsiException.invalidCdbField(2);
    }
    SbcChecks.range(lu, c.lba(), c.blocks());
    SbcChecks.writable(lu);
    return writeOffered(ctx, lu, c, bs);
  }

  private static CompletableFuture<ScsiResponse> writeOffered(CommandContext ctx, LogicalUnit lu,
      BlockCdb c, int bs) {
    long total = c.blocks() * bs;
    int n = SbcChecks.blocksOffered(ctx, c.blocks(), bs);
    if (n == 0) {
      return SbcChecks.goodNow(total);
    }
    int len = n * bs;
    boolean fua = c.fua() || isWriteAndVerify(c.opcode()); // verify means: on the medium
    CompletableFuture<Void> written = ctx.dataOut(len).thenCompose(buf -> SbcChecks.using(buf,
        b -> ctx.volume().write(c.lba(), n, b.nioBuffer(b.readerIndex(), len))));
    return SbcChecks.durable(lu, fua, written).thenApply(x -> SbcChecks.good(total));
  }

  static boolean isWriteAndVerify(int opcode) {
    return opcode == SbcOpcodes.WRITE_AND_VERIFY_10 || opcode == SbcOpcodes.WRITE_AND_VERIFY_12
        || opcode == SbcOpcodes.WRITE_AND_VERIFY_16;
  }
}
