package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.dispatch.Dispatcher;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SPC-4 6.4 EXTENDED COPY (LID1): fetch and parse the parameter list, register the list
 * identifier with the copy manager, plan every segment, then move the data. The command
 * completes once every segment was copied (no IMMED: status is final).
 */
final class ExtendedCopy {

  /**
   * The CDB (SPC-4 6.4.2 Table 26).
   *
   * @param parameterListLength PARAMETER LIST LENGTH in bytes
   */
  record Command(long parameterListLength) {
    static Command parse(byte[] cdb) {
      return new Command(Cdb.u32(cdb, 10));
    }
  }

  private final CopyManager manager;
  private final CopyTargetLocator locator;

  ExtendedCopy(CopyManager manager, CopyTargetLocator locator) {
    this.manager = manager;
    this.locator = locator;
  }

  CompletableFuture<ScsiResponse> execute(CommandContext ctx) {
    Command c = Command.parse(ctx.cdb());
    if (c.parameterListLength() == 0) {
      return CommandContext.good(); // SPC-4 6.4.2: not an error, nothing copied
    }
    if (c.parameterListLength() < CopyLimits.HEADER_LENGTH) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    // bytes past the longest list we accept are never looked at, so never fetched into memory
    int fetch = (int) Math.min(c.parameterListLength(), CopyLimits.MAX_PARAMETER_BYTES);
    return ctx.dataOut(fetch).thenCompose(buf -> {
      byte[] p = new byte[buf.readableBytes()];
      try {
        buf.getBytes(buf.readerIndex(), p);
      } finally {
        buf.release();
      }
      return copy(ctx, XcopyParameterList.parse(p, c.parameterListLength()));
    });
  }

  private CompletableFuture<ScsiResponse> copy(CommandContext ctx, XcopyParameterList list) {
    CopyOperation op = manager.begin(ctx.lu(), ctx.nexus(), list.listId(), list.listIdUsage());
    CompletableFuture<Void> done;
    ByteBuf buffer = null;
    try {
      List<CopyPlanner.Step> steps =
          new CopyPlanner(locator.candidates(ctx), ctx.lu(), ctx.nexus()).plan(list);
      buffer = ctx.alloc(CopyLimits.CHUNK_BYTES);
      done = new BlockCopier(ctx.io(), buffer, op, ctx.nexus()).run(steps);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    ByteBuf held = buffer;
    return done.handle((v, err) -> {
      if (held != null) {
        held.release();
      }
      if (err == null) {
        op.completed(ScsiStatus.GOOD, null);
        manager.finish(op);
        return ScsiResponse.good();
      }
      ScsiResponse r = Dispatcher.toResponse(err, ctx.task());
      op.completed(r.status(), r.sense());
      manager.finish(op);
      return r;
    });
  }
}
