package io.blockraft.target.scsi.sbc;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SBC-4 5.19 SANITIZE: OVERWRITE (the whole LU with the initialization pattern), BLOCK ERASE
 * (unmap the whole LU; thin provisioning makes that the physical erase) and EXIT FAILURE MODE
 * (nothing ever fails, so only the parameter check). CRYPTOGRAPHIC ERASE is not offered (no
 * encryption), so REPORT SUPPORTED OPERATION CODES does not list it and the dispatcher rejects it.
 *
 * <p>While a sanitize runs, medium-access commands get NOT READY, SANITIZE IN PROGRESS (SBC-4
 * 4.11.4); {@link #inProgress} lets the dispatcher apply that to non-SBC commands too. IMMED=1
 * returns GOOD once the parameters are validated; the operation continues in the background (and
 * survives task management, as SBC-4 requires).
 */
public final class Sanitize {
  private static final Logger log = LoggerFactory.getLogger(Sanitize.class);
  private static final Set<LogicalUnit> RUNNING = ConcurrentHashMap.newKeySet();

  private Sanitize() {}

  /** True while a SANITIZE operation runs on {@code lu}. */
  public static boolean inProgress(LogicalUnit lu) {
    return lu != null && RUNNING.contains(lu);
  }

  /** NOT READY, SANITIZE IN PROGRESS while one runs. */
  static void checkNotInProgress(LogicalUnit lu) {
    if (inProgress(lu)) {
      throw new ScsiException(SenseReason.NOT_READY_SANITIZE_IN_PROGRESS);
    }
  }

  /** Parsed SANITIZE CDB. */
  record SanitizeCdb(int serviceAction, boolean immed, int paramLen) {
    static SanitizeCdb parse(byte[] cdb) {
      return new SanitizeCdb(cdb[1] & 0x1f, (cdb[1] & 0x80) != 0, Cdb.u16(cdb, 7));
    }
  }

  static CompletableFuture<ScsiResponse> sanitize(CommandContext ctx) {
    SanitizeCdb c = SanitizeCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    int bs = lu.volume().logicalBlockSize();
    byte[] cdb = ctx.cdb();
    if ((cdb[1] & 0x40) != 0) {
      throw ScsiException.invalidCdbField(1, 6); // reserved
    }
    for (int i = 2; i <= 6; i++) {
      if (cdb[i] != 0) {
        throw ScsiException.invalidCdbField(i); // reserved bytes
      }
    }
    switch (c.serviceAction()) {
      case SbcOpcodes.SA_SANITIZE_OVERWRITE:
        if (c.paramLen() < 5 || c.paramLen() > bs + 4) {
          throw ScsiException.invalidCdbField(7);
        }
        break;
      case SbcOpcodes.SA_SANITIZE_BLOCK_ERASE:
      case SbcOpcodes.SA_SANITIZE_EXIT_FAILURE_MODE:
        if (c.paramLen() != 0) {
          throw ScsiException.invalidCdbField(7);
        }
        break;
      default:
        throw ScsiException.invalidCdbField(1, 4);
    }
    if (c.serviceAction() == SbcOpcodes.SA_SANITIZE_EXIT_FAILURE_MODE) {
      return SbcChecks.goodNow(0);
    }
    SbcChecks.writable(lu);
    if (c.serviceAction() == SbcOpcodes.SA_SANITIZE_BLOCK_ERASE) {
      return run(lu, c, () -> ctx.volume().unmap(0, lu.volume().blockCount()));
    }
    long edtl = Integer.toUnsignedLong(ctx.task().expectedDataTransferLength());
    if (edtl < c.paramLen()) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    return ctx.dataOut(c.paramLen()).thenCompose(buf -> {
      byte[] p = new byte[c.paramLen()];
      try {
        buf.getBytes(buf.readerIndex(), p);
      } finally {
        buf.release();
      }
      ByteBuffer block = overwriteBlock(p, bs);
      ReplicatedVolume v = ctx.volume();
      return run(lu, c, () -> WriteSame.isZero(block)
          ? v.writeZeroes(0, v.blockCount())
          : WriteSame.writePattern(ctx, v, 0, v.blockCount(), block, bs));
    });
  }

  /**
   * The block the final OVERWRITE pass leaves (SBC-4 5.19.3): the pattern repeated over a block,
   * inverted when INVERT is set and the pass count is even. Validates the parameter list.
   */
  static ByteBuffer overwriteBlock(byte[] p, int bs) {
    boolean invert = (p[0] & 0x80) != 0;
    int count = p[0] & 0x1f;
    if (count == 0) {
      throw ScsiException.invalidParameterField(0);
    }
    int patLen = Cdb.u16(p, 2);
    if (patLen == 0 || patLen > bs || patLen + 4 != p.length) {
      throw ScsiException.invalidParameterField(2);
    }
    byte[] b = new byte[bs];
    for (int i = 0; i < bs; i++) {
      b[i] = p[4 + i % patLen];
      if (invert && count % 2 == 0) {
        b[i] = (byte) ~b[i];
      }
    }
    return ByteBuffer.wrap(b);
  }

  private static CompletableFuture<ScsiResponse> run(LogicalUnit lu, SanitizeCdb c,
      java.util.function.Supplier<CompletableFuture<Void>> op) {
    if (!RUNNING.add(lu)) {
      throw new ScsiException(SenseReason.NOT_READY_SANITIZE_IN_PROGRESS);
    }
    log.info("sanitize of {} started (service action {})", lu.volume().name(), c.serviceAction());
    CompletableFuture<Void> f;
    try {
      f = op.get();
    } catch (RuntimeException e) {
      RUNNING.remove(lu);
      throw e;
    }
    CompletableFuture<Void> done = f.whenComplete((x, e) -> {
      RUNNING.remove(lu);
      log.info("sanitize of {} {}", lu.volume().name(), e == null ? "completed" : "failed: " + e);
    });
    if (c.immed()) {
      return SbcChecks.goodNow(0);
    }
    return done.thenApply(x -> SbcChecks.good(0));
  }
}
