package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.TaskIo;
import io.blockraft.target.scsi.dispatch.TaskAbortedException;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.xcopy.CopyPlanner.Step;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the data of planned block to block segments (SPC-4 6.4.6.5), one segment after the other,
 * each in steps of at most {@link CopyLimits#CHUNK_BYTES}: read from the source volume into one
 * buffer, write it to the destination volume, repeat. Nothing blocks: every step chains on the
 * volumes' futures, and a copy never holds more than one buffer. When source and destination
 * overlap on the same volume with the destination after the source, the steps run from the end
 * backwards so no source block is overwritten before it was read.
 *
 * <p>A failure of a copy target ends the command with COPY ABORTED, COPY TARGET DEVICE NOT
 * REACHABLE; an abort by task management ends it between two steps.
 */
final class BlockCopier {
  private static final Logger log = LoggerFactory.getLogger(BlockCopier.class);

  private final TaskIo io;
  private final ByteBuf buffer;
  private final CopyOperation op;
  private final io.blockraft.target.scsi.ItNexus nexus;

  /**
   * {@code buffer} has {@link CopyLimits#CHUNK_BYTES} bytes of capacity; the caller releases it.
   * Writes go out as {@code nexus}'s (the EXTENDED COPY's issuer), judged by reservations again
   * where they apply.
   */
  BlockCopier(TaskIo io, ByteBuf buffer, CopyOperation op, io.blockraft.target.scsi.ItNexus nexus) {
    this.io = io;
    this.buffer = buffer;
    this.op = op;
    this.nexus = nexus;
  }

  CompletableFuture<Void> run(List<Step> steps) {
    CompletableFuture<Void> f = CompletableFuture.completedFuture(null);
    for (Step s : steps) {
      f = f.thenCompose(v -> segment(s)).thenRun(op::segmentDone);
    }
    return f;
  }

  private CompletableFuture<Void> segment(Step s) {
    if (s.bytes() == 0) {
      return CompletableFuture.completedFuture(null);
    }
    int srcBs = s.source().volume().logicalBlockSize();
    int dstBs = s.destination().volume().logicalBlockSize();
    int unit = Math.max(srcBs, dstBs); // both are powers of two: a multiple of both
    int chunk = Math.max(unit, CopyLimits.CHUNK_BYTES / unit * unit);
    boolean backwards = s.source().volume() == s.destination().volume()
        && s.destinationLba() > s.sourceLba()
        && s.destinationLba() < s.sourceLba() + s.bytes() / srcBs;
    return step(s, chunk, backwards, 0);
  }

  private CompletableFuture<Void> step(Step s, int chunk, boolean backwards, long done) {
    if (done >= s.bytes()) {
      return CompletableFuture.completedFuture(null);
    }
    if (io.isAborted()) {
      return CompletableFuture.failedFuture(new TaskAbortedException());
    }
    int n = (int) Math.min(chunk, s.bytes() - done);
    long offset = backwards ? s.bytes() - done - n : done;
    int srcBs = s.source().volume().logicalBlockSize();
    int dstBs = s.destination().volume().logicalBlockSize();
    long srcLba = s.sourceLba() + offset / srcBs;
    long dstLba = s.destinationLba() + offset / dstBs;
    return s.source().volume().read(srcLba, n / srcBs, buffer.nioBuffer(0, n))
        .thenCompose(v -> s.destination().volumeFor(nexus).write(dstLba, n / dstBs, buffer.nioBuffer(0, n)))
        .handle((v, err) -> {
          if (err != null) {
            throw targetFailure(s, err);
          }
          op.addBytes(n);
          return null;
        })
        .thenCompose(v -> step(s, chunk, backwards, done + n));
  }

  private static RuntimeException targetFailure(Step s, Throwable err) {
    Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (t instanceof TaskAbortedException
        || t instanceof io.blockraft.replication.WriteFencedException) {
      // aborted, or refused where it applied (a reservation changed since the copy was planned):
      // answered as such (TASK ABORTED, RESERVATION CONFLICT), not as a copy failure
      return (RuntimeException) t;
    }
    log.debug("EXTENDED COPY segment {} ({} -> {}) failed: {}", s.index(),
        s.source().volume().name(), s.destination().volume().name(), t.toString());
    return new ScsiException(SenseReason.COPY_TARGET_DEVICE_NOT_REACHABLE);
  }
}
