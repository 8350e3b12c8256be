package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseData;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Commands that answer for any LUN, mapped or not: SPC-4 6.33 REPORT LUNS and 6.39 REQUEST SENSE.
 */
final class LunCommands {
  private LunCommands() {}

  /** A parsed REPORT LUNS CDB. */
  record ReportLunsCdb(int selectReport, long allocationLength) {
    static ReportLunsCdb parse(byte[] cdb) {
      int select = Cdb.u8(cdb, 2);
      if (select > 2) {
        throw ScsiException.invalidCdbField(2);
      }
      long alloc = Cdb.u32(cdb, 6);
      if (alloc < 16) {
        throw ScsiException.invalidCdbField(6);
      }
      return new ReportLunsCdb(select, alloc);
    }
  }

  /** SPC-4 6.33 REPORT LUNS: 0 all LUNs, 1 well-known LUNs, 2 both. */
  static CompletableFuture<ScsiResponse> reportLuns(CommandContext ctx) {
    ReportLunsCdb c = ReportLunsCdb.parse(ctx.cdb());
    List<Long> fields = new ArrayList<>();
    if (c.selectReport() != 1) {
      for (int lun : ctx.target().luns().keySet()) {
        fields.add(Lun.encode(lun));
      }
    }
    if (c.selectReport() != 0) {
      fields.add(Lun.WLUN_REPORT_LUNS);
    }
    int len = 8 + 8 * fields.size();
    ByteBuf buf = ctx.allocHeap(len);
    buf.writeInt(8 * fields.size());
    buf.writeInt(0);
    for (long f : fields) {
      buf.writeLong(f);
    }
    for (LogicalUnit lu : ctx.target().luns().values()) {
      lu.unitAttentions().clear(ctx.nexus(), SenseReason.REPORTED_LUNS_DATA_HAS_CHANGED);
    }
    int alloc = (int) Math.min(c.allocationLength(), Integer.MAX_VALUE);
    return CommandContext.data(buf, alloc);
  }

  /** A parsed REQUEST SENSE CDB. */
  record RequestSenseCdb(boolean descriptorFormat, int allocationLength) {
    static RequestSenseCdb parse(byte[] cdb) {
      if ((cdb[1] & 0xfe) != 0) {
        throw ScsiException.invalidCdbField(1);
      }
      return new RequestSenseCdb((cdb[1] & 0x01) != 0, Cdb.u8(cdb, 4));
    }
  }

  /**
   * SPC-4 6.39 REQUEST SENSE: reports (and clears) the oldest pending unit attention, a NOT READY
   * condition, LOGICAL UNIT NOT SUPPORTED for an unmapped LUN, else NO SENSE; always GOOD.
   */
  static CompletableFuture<ScsiResponse> requestSense(CommandContext ctx) {
    RequestSenseCdb c = RequestSenseCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    SenseReason reason;
    if (lu == null) {
      reason = ctx.task().lun() == Lun.WLUN_REPORT_LUNS
          ? SenseReason.NO_ADDITIONAL_SENSE : SenseReason.LOGICAL_UNIT_NOT_SUPPORTED;
    } else {
      reason = lu.unitAttentions().poll(ctx.nexus());
      if (reason == null && !lu.volume().isReady()) {
        reason = SenseReason.NOT_READY_CAUSE_NOT_REPORTABLE;
      }
      if (reason == null && !lu.mediumPresent()) {
        reason = SenseReason.MEDIUM_NOT_PRESENT;
      }
      if (reason == null) {
        reason = SenseReason.NO_ADDITIONAL_SENSE;
      }
    }
    byte[] sense = c.descriptorFormat() ? SenseData.encodeDescriptor(reason) : SenseData.encode(reason);
    ByteBuf buf = ctx.allocHeap(sense.length).writeBytes(sense);
    return CommandContext.data(buf, c.allocationLength());
  }
}
