package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import java.util.concurrent.CompletableFuture;

/**
 * SBC-4 5.22/5.23 SYNCHRONIZE CACHE(10/16) and 5.13/5.14 PRE-FETCH(10/16). NUMBER OF LOGICAL
 * BLOCKS 0 means "to the end of the LU"; the range is checked either way.
 */
final class CacheCommands {
  private CacheCommands() {}

  /** Parsed SYNCHRONIZE CACHE / PRE-FETCH CDB. */
  record CacheCdb(long lba, long blocks, boolean immed) {
    static CacheCdb parse(byte[] cdb) {
      boolean immed = (cdb[1] & 0x02) != 0;
      if ((cdb[0] & 0xff) >>> 5 == 4) { // 16-byte
        return new CacheCdb(Cdb.u64(cdb, 2), Cdb.u32(cdb, 10), immed);
      }
      return new CacheCdb(Cdb.u32(cdb, 2), Cdb.u16(cdb, 7), immed);
    }
  }

  /** Flushes the volume; with IMMED the flush still runs, but GOOD is returned at once. */
  static CompletableFuture<ScsiResponse> synchronizeCache(CommandContext ctx) {
    CacheCdb c = CacheCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    SbcChecks.range(lu, c.lba(), c.blocks());
    CompletableFuture<Void> flush = lu.volume().flush();
    if (c.immed()) {
      return SbcChecks.goodNow(0);
    }
    return flush.thenApply(x -> SbcChecks.good(0));
  }

  /**
   * PRE-FETCH: data is always served from the store, so the range "fits the cache": CONDITION MET
   * (SBC-4 5.13), with or without IMMED.
   */
  static CompletableFuture<ScsiResponse> preFetch(CommandContext ctx) {
    CacheCdb c = CacheCdb.parse(ctx.cdb());
    // MAXIMUM PREFETCH LENGTH (Block Limits VPD) is the maximum transfer length
    SbcChecks.transferLength(c.blocks(), ctx.lu().volume().logicalBlockSize(),
        (ctx.cdb()[0] & 0xff) >>> 5 == 4 ? 10 : 7);
    SbcChecks.range(ctx.lu(), c.lba(), c.blocks());
    return CompletableFuture.completedFuture(ScsiResponse.status(ScsiStatus.CONDITION_MET));
  }
}
