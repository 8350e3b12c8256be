package io.blockraft.target.scsi.sbc;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * SBC-4 5.49 WRITE SAME(10) and 5.50 WRITE SAME(16).
 *
 * <ul>
 *   <li>WRPROTECT != 0: INVALID FIELD IN CDB (no protection information);
 *   <li>ANCHOR: not supported (ANC_SUP=0), so INVALID FIELD IN CDB with or without UNMAP;
 *   <li>NUMBER OF LOGICAL BLOCKS 0 (WSNZ=0): from the LBA to the end of the LU;
 *   <li>more than MAXIMUM WRITE SAME LENGTH blocks: INVALID FIELD IN CDB;
 *   <li>NDOB (16 only): no Data-Out, the block is zeros; otherwise Data-Out must be exactly one
 *       block (anything else: INVALID FIELD IN CDB);
 *   <li>UNMAP=1 unmaps the range whatever the Data-Out block holds (as LIO does; libiscsi's
 *       WriteSame10.UnmapUntilEnd sends 0xFF data with UNMAP=1 and expects zeros back, LBPRZ=1);
 *   <li>UNMAP=0: a zero block becomes a write-zeroes; any other block is written in large chunks,
 *       never block by block.
 * </ul>
 */
final class WriteSame {
  /** Bytes of pattern written per volume call. */
  static final int CHUNK_BYTES = 1 << 20;

  private WriteSame() {}

  /** Parsed WRITE SAME CDB. */
  record WriteSameCdb(long lba, long blocks, int protect, boolean anchor, boolean unmap,
      boolean ndob, int lengthByte) {
    static WriteSameCdb parse(byte[] cdb) {
      int b1 = cdb[1] & 0xff;
      boolean sixteen = (cdb[0] & 0xff) == SbcOpcodes.WRITE_SAME_16;
      long lba = sixteen ? Cdb.u64(cdb, 2) : Cdb.u32(cdb, 2);
      long n = sixteen ? Cdb.u32(cdb, 10) : Cdb.u16(cdb, 7);
      return new WriteSameCdb(lba, n, b1 >>> 5, (b1 & 0x10) != 0, (b1 & 0x08) != 0,
          sixteen && (b1 & 0x01) != 0, sixteen ? 10 : 7);
    }
  }

  static CompletableFuture<ScsiResponse> writeSame(CommandContext ctx) {
    WriteSameCdb c = WriteSameCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    ReplicatedVolume v = ctx.volume();
    int bs = v.logicalBlockSize();
    if (c.protect() != 0) {
      throw ScsiException.invalidCdbField(1, 7);
    }
    if (c.anchor()) {
      throw ScsiException.invalidCdbField(1, 4);
    }
    long n = c.blocks();
    if (n == 0) {
      if (BlockLimits.WRITE_SAME_NON_ZERO) {
        throw ScsiException.invalidCdbField(c.lengthByte());
      }
      long cap = v.blockCount();
      if (c.lba() < 0 || c.lba() > cap) {
        throw new ScsiException(SenseReason.LBA_OUT_OF_RANGE);
      }
      n = cap - c.lba();
    }
    if (n > BlockLimits.maxWriteSameBlocks(bs)) {
      throw ScsiException.invalidCdbField(c.lengthByte());
    }
    SbcChecks.range(lu, c.lba(), n);
    SbcChecks.writable(lu);
    long blocks = n;
    if (c.ndob()) {
      return SbcChecks.durable(lu, false, zeroes(v, c, blocks)).thenApply(x -> SbcChecks.good(0));
    }
    if (Integer.toUnsignedLong(ctx.task().expectedDataTransferLength()) != bs) {
      throw new ScsiException(SenseReason.INVALID_FIELD_IN_CDB);
    }
    CompletableFuture<Void> written = ctx.dataOut(bs).thenCompose(buf -> SbcChecks.using(buf, b -> {
      ByteBuffer block = b.nioBuffer(b.readerIndex(), bs);
      if (blocks == 0) {
        return CompletableFuture.<Void>completedFuture(null);
      }
      if (c.unmap() || isZero(block)) {
        return zeroes(v, c, blocks);
      }
      return writePattern(ctx, v, c.lba(), blocks, block, bs);
    }));
    return SbcChecks.durable(lu, false, written).thenApply(x -> SbcChecks.good(bs));
  }

  private static CompletableFuture<Void> zeroes(ReplicatedVolume v, WriteSameCdb c, long blocks) {
    if (blocks == 0) {
      return CompletableFuture.completedFuture(null);
    }
    return c.unmap() ? v.unmap(c.lba(), blocks) : v.writeZeroes(c.lba(), blocks);
  }

  static boolean isZero(ByteBuffer b) {
    int i = 0;
    int len = b.remaining();
    int base = b.position();
    for (; i + 8 <= len; i += 8) {
      if (b.getLong(base + i) != 0) {
        return false;
      }
    }
    for (; i < len; i++) {
      if (b.get(base + i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Writes {@code block} to every LBA of the range, a chunk of up to 1 MiB per volume call. */
  static CompletableFuture<Void> writePattern(CommandContext ctx, ReplicatedVolume v, long lba,
      long blocks, ByteBuffer block, int bs) {
    int chunkBlocks = (int) Math.min(blocks, Math.max(1, CHUNK_BYTES / bs));
    ByteBuf chunk = ctx.alloc(chunkBlocks * bs);
    for (int i = 0; i < chunkBlocks; i++) {
      chunk.writeBytes(block.duplicate());
    }
    return SbcChecks.using(chunk, c -> writeChunks(v, lba, blocks, c, chunkBlocks, bs));
  }

  private static CompletableFuture<Void> writeChunks(ReplicatedVolume v, long lba, long remaining,
      ByteBuf chunk, int chunkBlocks, int bs) {
    if (remaining == 0) {
      return CompletableFuture.completedFuture(null);
    }
    int k = (int) Math.min(remaining, chunkBlocks);
    return v.write(lba, k, chunk.nioBuffer(0, k * bs))
        .thenCompose(x -> writeChunks(v, lba + k, remaining - k, chunk, chunkBlocks, bs));
  }
}
