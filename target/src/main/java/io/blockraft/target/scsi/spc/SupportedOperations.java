package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.OpcodeTable;
import io.blockraft.target.scsi.sense.ScsiException;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SPC-4 6.35 REPORT SUPPORTED OPERATION CODES and 6.36 REPORT SUPPORTED TASK MANAGEMENT
 * FUNCTIONS (MAINTENANCE IN service actions 0Ch and 0Dh). The operation codes come from the one
 * opcode table, so what we report is exactly what the dispatcher executes.
 */
final class SupportedOperations {
  /** Nominal and recommended command timeouts reported with RCTD (seconds). */
  static final int NOMINAL_TIMEOUT_S = 30;
  static final int RECOMMENDED_TIMEOUT_S = 60;
  /** Upper bound on the parameter data we build (the table has at most a few hundred rows). */
  private static final int MAX_DATA = 64 * 1024;

  private SupportedOperations() {}

  /** A parsed REPORT SUPPORTED OPERATION CODES CDB. */
  record RsocCdb(boolean rctd, int options, int opcode, int serviceAction, long allocationLength) {
    static RsocCdb parse(byte[] cdb) {
      boolean rctd = (cdb[2] & 0x80) != 0;
      int options = cdb[2] & 0x07;
      if (options > 3 || (cdb[2] & 0x78) != 0) {
        throw ScsiException.invalidCdbField(2);
      }
      return new RsocCdb(rctd, options, Cdb.u8(cdb, 3), Cdb.u16(cdb, 4), Cdb.u32(cdb, 6));
    }
  }

  static CompletableFuture<ScsiResponse> reportOpcodes(CommandContext ctx) {
    RsocCdb c = RsocCdb.parse(ctx.cdb());
    OpcodeTable table = ctx.target().dispatcher().table();
    byte[] data = c.options() == 0 ? all(table, c.rctd()) : one(table, c);
    ByteBuf buf = ctx.allocHeap(data.length).writeBytes(data);
    return CommandContext.data(buf, (int) Math.min(c.allocationLength(), Integer.MAX_VALUE));
  }

  /** Reporting options 000b: every command descriptor (SPC-4 6.35.2). */
  static byte[] all(OpcodeTable table, boolean rctd) {
    List<CommandSpec> specs = table.all();
    int per = 8 + (rctd ? 12 : 0);
    int len = 4 + per * specs.size();
    if (len > MAX_DATA) {
      throw new IllegalStateException("opcode table too large: " + specs.size());
    }
    byte[] d = new byte[len];
    Cdb.put32(d, 0, len - 4L);
    int off = 4;
    for (CommandSpec s : specs) {
      d[off] = (byte) s.opcode();
      if (s.serviceAction() >= 0) {
        Cdb.put16(d, off + 2, s.serviceAction());
      }
      d[off + 5] = (byte) ((rctd ? 0x02 : 0) | (s.serviceAction() >= 0 ? 0x01 : 0)); // CTDP, SERVACTV
      Cdb.put16(d, off + 6, s.cdbLength());
      if (rctd) {
        timeouts(d, off + 8);
      }
      off += per;
    }
    return d;
  }

  /** Reporting options 001b, 010b, 011b: one command (SPC-4 6.35.3). */
  static byte[] one(OpcodeTable table, RsocCdb c) {
    boolean hasSa = table.hasServiceActions(c.opcode());
    CommandSpec spec;
    switch (c.options()) {
      case 1 -> {
        if (hasSa) {
          throw ScsiException.invalidCdbField(2);
        }
        spec = table.lookup(c.opcode(), -1);
      }
      case 2 -> {
        if (!hasSa) {
          throw ScsiException.invalidCdbField(2);
        }
        spec = c.serviceAction() > 0x1f ? null : table.lookup(c.opcode(), c.serviceAction());
      }
      default -> spec = hasSa
          ? (c.serviceAction() > 0x1f ? null : table.lookup(c.opcode(), c.serviceAction()))
          : table.lookup(c.opcode(), -1);
    }
    if (spec == null) {
      byte[] d = new byte[4];
      d[1] = 0x01; // SUPPORT 001b: not supported
      return d;
    }
    byte[] usage = spec.usageMask();
    byte[] d = new byte[4 + usage.length + (c.rctd() ? 12 : 0)];
    d[1] = (byte) ((c.rctd() ? 0x80 : 0) | 0x03); // CTDP, SUPPORT 011b: supported as in the standard
    Cdb.put16(d, 2, usage.length);
    System.arraycopy(usage, 0, d, 4, usage.length);
    d[4] = (byte) spec.opcode();
    if (c.rctd()) {
      timeouts(d, 4 + usage.length);
    }
    return d;
  }

  /** SPC-4 6.35.4 command timeouts descriptor (12 bytes, DESCRIPTOR LENGTH 0Ah). */
  private static void timeouts(byte[] d, int off) {
    Cdb.put16(d, off, 0x0A);
    Cdb.put32(d, off + 4, NOMINAL_TIMEOUT_S);
    Cdb.put32(d, off + 8, RECOMMENDED_TIMEOUT_S);
  }

  /** A parsed REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS CDB. */
  record RstmfCdb(boolean extended, long allocationLength) {
    static RstmfCdb parse(byte[] cdb) {
      if ((cdb[2] & 0x7f) != 0) {
        throw ScsiException.invalidCdbField(2);
      }
      return new RstmfCdb((cdb[2] & 0x80) != 0, Cdb.u32(cdb, 6));
    }
  }

  /**
   * SPC-4 6.36: ABORT TASK, ABORT TASK SET, CLEAR TASK SET, LOGICAL UNIT RESET and TARGET RESET
   * (iSCSI TARGET WARM/COLD RESET); no CLEAR ACA, QUERY TASK or I_T NEXUS RESET.
   */
  static CompletableFuture<ScsiResponse> reportTmfs(CommandContext ctx) {
    RstmfCdb c = RstmfCdb.parse(ctx.cdb());
    byte[] d = new byte[c.extended() ? 16 : 4];
    d[0] = (byte) (0x80 | 0x40 | 0x10 | 0x08 | 0x02); // ATS, ATSS, CTSS, LURS, TRS
    if (c.extended()) {
      d[3] = 0x0C; // ADDITIONAL DATA LENGTH; no timeouts reported
    }
    ByteBuf buf = ctx.allocHeap(d.length).writeBytes(d);
    return CommandContext.data(buf, (int) Math.min(c.allocationLength(), Integer.MAX_VALUE));
  }
}
