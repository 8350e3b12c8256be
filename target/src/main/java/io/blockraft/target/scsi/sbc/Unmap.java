package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SBC-4 5.32 UNMAP. Checks, in order: ANCHOR (not supported: INVALID FIELD IN CDB), write
 * protection, PARAMETER LIST LENGTH (0: nothing to do; 1..7: PARAMETER LIST LENGTH ERROR), then
 * the parameter list: more than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT descriptors or more than
 * MAXIMUM UNMAP LBA COUNT blocks in total: INVALID FIELD IN PARAMETER LIST; a descriptor beyond
 * the capacity: LBA OUT OF RANGE. Nothing is unmapped unless every descriptor is valid. A partial
 * trailing descriptor is ignored (SBC-4 5.32.2).
 */
final class Unmap {
  private Unmap() {}

  /** One UNMAP block descriptor. */
  record Extent(long lba, long blocks) {}

  static CompletableFuture<ScsiResponse> unmap(CommandContext ctx) {
    byte[] cdb = ctx.cdb();
    LogicalUnit lu = ctx.lu();
    if ((cdb[1] & 0x01) != 0) {
      throw ScsiException.invalidCdbField(1, 0); // ANCHOR: ANC_SUP=0
    }
    int paramLen = Cdb.u16(cdb, 7);
    SbcChecks.writable(lu);
    if (paramLen == 0) {
      return SbcChecks.goodNow(0);
    }
    if (paramLen < 8) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    int avail = (int) Math.min(paramLen, Integer.toUnsignedLong(ctx.task().expectedDataTransferLength()));
    if (avail < 8) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    return ctx.dataOut(avail).thenCompose(buf -> {
      byte[] p = new byte[avail];
      try {
        buf.getBytes(buf.readerIndex(), p);
      } finally {
        buf.release();
      }
      List<Extent> extents = parse(p, lu);
      CompletableFuture<?>[] fs = extents.stream()
          .map(e -> ctx.volume().unmap(e.lba(), e.blocks()))
          .toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(fs);
    }).thenApply(x -> SbcChecks.good(paramLen));
  }

  /** Parses and validates the parameter list (pure apart from reading the capacity). */
  static List<Extent> parse(byte[] p, LogicalUnit lu) {
    int bdLen = Cdb.u16(p, 2);
    int count = Math.min(bdLen, p.length - 8) / 16;
    if (count > BlockLimits.MAX_UNMAP_DESCRIPTORS) {
      throw ScsiException.invalidParameterField(2);
    }
    List<Extent> out = new ArrayList<>(count);
    long total = 0;
    for (int i = 0; i < count; i++) {
      int off = 8 + 16 * i;
      long lba = Cdb.u64(p, off);
      long n = Cdb.u32(p, off + 8);
      total += n;
      if (total > BlockLimits.MAX_UNMAP_LBA_COUNT) {
        throw ScsiException.invalidParameterField(off + 8);
      }
      SbcChecks.range(lu, lba, n);
      if (n > 0) {
        out.add(new Extent(lba, n));
      }
    }
    return out;
  }
}
