package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * SPC-4 6.18 RECEIVE COPY RESULTS: COPY STATUS (6.18.3), OPERATING PARAMETERS (6.18.4) and
 * FAILED SEGMENT DETAILS (6.18.5). RECEIVE DATA is not offered: no supported segment descriptor
 * holds data for the application client (HELD DATA LIMIT 0).
 */
final class ReceiveCopyResults {
  static final int SA_COPY_STATUS = 0x00;
  static final int SA_OPERATING_PARAMETERS = 0x03;
  static final int SA_FAILED_SEGMENT_DETAILS = 0x04;

  /**
   * The CDB (SPC-4 6.18.1 Table 517).
   *
   * @param serviceAction SERVICE ACTION
   * @param listId LIST IDENTIFIER
   * @param allocationLength ALLOCATION LENGTH
   */
  record Command(int serviceAction, int listId, int allocationLength) {
    static Command parse(byte[] cdb) {
      long alloc = Cdb.u32(cdb, 10);
      return new Command(cdb[1] & 0x1f, Cdb.u8(cdb, 2), (int) Math.min(alloc, Integer.MAX_VALUE));
    }
  }

  private final CopyManager manager;

  ReceiveCopyResults(CopyManager manager) {
    this.manager = manager;
  }

  CompletableFuture<ScsiResponse> copyStatus(CommandContext ctx) {
    Command c = Command.parse(ctx.cdb());
    CopyOperation op = known(ctx, c);
    byte[] d = new byte[12];
    Cdb.put32(d, 0, 8); // AVAILABLE DATA
    d[4] = (byte) op.status(); // HDD 0: no held data was discarded
    Cdb.put16(d, 5, Math.min(op.segmentsProcessed(), 0xffff));
    d[7] = 0x00; // TRANSFER COUNT UNITS: bytes
    Cdb.put32(d, 8, Math.min(op.bytesTransferred(), 0xffff_ffffL));
    return reply(ctx, d, c);
  }

  CompletableFuture<ScsiResponse> operatingParameters(CommandContext ctx) {
    Command c = Command.parse(ctx.cdb());
    int[] types = CopyLimits.IMPLEMENTED_DESCRIPTOR_TYPES;
    byte[] d = new byte[44 + types.length];
    Cdb.put32(d, 0, d.length - 4); // AVAILABLE DATA
    d[4] = 0x01; // SNLID: LIST ID USAGE 11b (no list identifier) is supported
    Cdb.put16(d, 8, CopyLimits.MAX_CSCD_DESCRIPTORS);
    Cdb.put16(d, 10, CopyLimits.MAX_SEGMENT_DESCRIPTORS);
    Cdb.put32(d, 12, CopyLimits.MAX_DESCRIPTOR_LIST_LENGTH);
    Cdb.put32(d, 16, CopyLimits.MAX_SEGMENT_BYTES);
    Cdb.put32(d, 20, CopyLimits.MAX_INLINE_DATA_LENGTH);
    Cdb.put32(d, 24, CopyLimits.HELD_DATA_LIMIT);
    Cdb.put32(d, 28, 0); // MAXIMUM STREAM DEVICE TRANSFER SIZE: no stream devices
    Cdb.put16(d, 34, CopyLimits.MAX_CONCURRENT_COPIES); // TOTAL CONCURRENT COPIES
    d[36] = (byte) CopyLimits.MAX_CONCURRENT_COPIES; // MAXIMUM CONCURRENT COPIES
    d[37] = (byte) log2(ctx.lu().volume().logicalBlockSize()); // DATA SEGMENT GRANULARITY
    d[38] = 0; // INLINE DATA GRANULARITY
    d[39] = 0; // HELD DATA GRANULARITY
    d[43] = (byte) types.length; // IMPLEMENTED DESCRIPTOR LIST LENGTH
    for (int i = 0; i < types.length; i++) {
      d[44 + i] = (byte) types[i];
    }
    return reply(ctx, d, c);
  }

  /** Delivers the outcome of a finished copy once; the held status is dropped afterwards. */
  CompletableFuture<ScsiResponse> failedSegmentDetails(CommandContext ctx) {
    Command c = Command.parse(ctx.cdb());
    CopyOperation op = known(ctx, c);
    if (op.status() == CopyOperation.IN_PROGRESS) {
      byte[] d = new byte[60];
      Cdb.put32(d, 0, 0); // AVAILABLE DATA 0: still running, nothing to report yet
      return reply(ctx, d, c);
    }
    byte[] sense = op.sense() == null ? new byte[0] : op.sense();
    byte[] d = new byte[60 + sense.length];
    Cdb.put32(d, 0, d.length - 4);
    d[56] = (byte) op.completionStatus(); // EXTENDED COPY COMPLETION STATUS
    Cdb.put16(d, 58, sense.length);
    System.arraycopy(sense, 0, d, 60, sense.length);
    manager.discard(op);
    return reply(ctx, d, c);
  }

  /** The copy this nexus ran with the list identifier; INVALID FIELD IN CDB (byte 2) if none. */
  private CopyOperation known(CommandContext ctx, Command c) {
    CopyOperation op = manager.find(ctx.lu(), ctx.nexus(), c.listId());
    if (op == null) {
      throw ScsiException.invalidCdbField(2);
    }
    return op;
  }

  private static CompletableFuture<ScsiResponse> reply(CommandContext ctx, byte[] d, Command c) {
    ByteBuf buf = ctx.allocHeap(d.length).writeBytes(d);
    return CommandContext.data(buf, c.allocationLength());
  }

  private static int log2(int v) {
    return 31 - Integer.numberOfLeadingZeros(v);
  }
}
