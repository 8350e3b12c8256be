package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * Unit and medium state: SPC-4 6.47 TEST UNIT READY, SBC-4 5.25 START STOP UNIT, SPC-4 6.13 /
 * SBC-4 5.13 PREVENT ALLOW MEDIUM REMOVAL, SBC-4 5.18/5.19 READ DEFECT DATA(10)/(12).
 *
 * <p>We never stop: START STOP UNIT is accepted. When the LU emulates removable medium
 * ({@link LogicalUnit#removable()}), LOEJ ejects or loads it unless removal is prevented.
 */
final class MediumCommands {
  private MediumCommands() {}

  /**
   * SPC-4 6.47: the dispatcher already reported UA, NOT READY and MEDIUM NOT PRESENT. Registered
   * without an LU so the REPORT LUNS well-known LU answers it too (SPC-4 8.2).
   */
  static CompletableFuture<ScsiResponse> testUnitReady(CommandContext ctx) {
    if (ctx.lu() == null && ctx.task().lun() != Lun.WLUN_REPORT_LUNS) {
      throw new ScsiException(SenseReason.LOGICAL_UNIT_NOT_SUPPORTED);
    }
    return CommandContext.good();
  }

  /** A parsed START STOP UNIT CDB. */
  record StartStopCdb(boolean immed, int powerCondition, boolean noFlush, boolean loej, boolean start) {
    static StartStopCdb parse(byte[] cdb) {
      int b4 = Cdb.u8(cdb, 4);
      return new StartStopCdb((cdb[1] & 0x01) != 0, b4 >>> 4, (b4 & 0x04) != 0, (b4 & 0x02) != 0,
          (b4 & 0x01) != 0);
    }
  }

  static CompletableFuture<ScsiResponse> startStopUnit(CommandContext ctx) {
    StartStopCdb c = StartStopCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    if (c.powerCondition() != 0) {
      return CommandContext.good(); // START and LOEJ are ignored; power conditions are not modelled
    }
    if (c.loej() && lu.removable()) {
      if (lu.removalPrevented()) {
        throw new ScsiException(SenseReason.MEDIUM_REMOVAL_PREVENTED);
      }
      if (c.start()) {
        lu.setMediumPresent(true);
        return CommandContext.good();
      }
    }
    if (!c.start() && !c.noFlush() && lu.volume().isReady()) {
      // stopping (and ejecting) first makes cached data durable
      return lu.volume().flush().thenApply(v -> {
        if (c.loej() && lu.removable()) {
          lu.setMediumPresent(false);
        }
        return ScsiResponse.good();
      });
    }
    if (c.loej() && lu.removable() && !c.start()) {
      lu.setMediumPresent(false);
    }
    return CommandContext.good();
  }

  /** A parsed PREVENT ALLOW MEDIUM REMOVAL CDB. */
  record PreventAllowCdb(boolean prevent) {
    static PreventAllowCdb parse(byte[] cdb) {
      int p = cdb[4] & 0x03;
      if (p > 1) {
        throw ScsiException.invalidCdbField(4); // 10b/11b: obsolete for direct access devices
      }
      return new PreventAllowCdb(p == 1);
    }
  }

  static CompletableFuture<ScsiResponse> preventAllow(CommandContext ctx) {
    PreventAllowCdb c = PreventAllowCdb.parse(ctx.cdb());
    ctx.lu().setRemovalPrevented(ctx.nexus(), c.prevent());
    return CommandContext.good();
  }

  /** A parsed READ DEFECT DATA(10)/(12) CDB. */
  record ReadDefectCdb(boolean twelve, boolean plist, boolean glist, int format, long allocationLength) {
    static ReadDefectCdb parse(byte[] cdb, boolean twelve) {
      int flags = twelve ? Cdb.u8(cdb, 1) : Cdb.u8(cdb, 2);
      long alloc = twelve ? Cdb.u32(cdb, 6) : Cdb.u16(cdb, 7);
      return new ReadDefectCdb(twelve, (flags & 0x10) != 0, (flags & 0x08) != 0, flags & 0x07, alloc);
    }
  }

  /** An empty defect list in the requested format (we have no media defects). */
  static CompletableFuture<ScsiResponse> readDefectData(CommandContext ctx, boolean twelve) {
    ReadDefectCdb c = ReadDefectCdb.parse(ctx.cdb(), twelve);
    byte[] d = new byte[twelve ? 8 : 4];
    d[1] = (byte) ((c.plist() ? 0x10 : 0) | (c.glist() ? 0x08 : 0) | c.format()); // PLISTV, GLISTV
    ByteBuf buf = ctx.allocHeap(d.length).writeBytes(d);
    return CommandContext.data(buf, (int) Math.min(c.allocationLength(), Integer.MAX_VALUE));
  }
}
