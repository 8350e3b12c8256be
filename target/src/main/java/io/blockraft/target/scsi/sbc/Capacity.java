package io.blockraft.target.scsi.sbc;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.storage.LbaExtent;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.spc.BlockLimits;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Capacity and provisioning queries: SBC-4 5.20 READ CAPACITY(10), 5.21 READ CAPACITY(16) and
 * 5.7 GET LBA STATUS (both SERVICE ACTION IN(16)).
 */
final class Capacity {
  /** Most LBA status descriptors returned by one GET LBA STATUS. */
  static final int MAX_LBA_STATUS_DESCRIPTORS = 64;

  private Capacity() {}

  /**
   * LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: log2(4 KiB stored unit / logical block size), so
   * 3 for 512-byte blocks and 0 for 4096-byte blocks.
   */
  /**
   * LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: the 4 KiB storage unit is the physical block, so
   * 512-byte LUNs report exponent 3 and initiators align I/O to it (no read-modify-write).
   * libiscsi 1.19's GetLBAStatus.UnmapSingle cannot pass when this is above 0: it queries LBA
   * i+1 yet expects the first descriptor at i+lbppb, which SBC-4 5.7 forbids (the first
   * descriptor starts at the STARTING LOGICAL BLOCK ADDRESS). See docs/conformance.md.
   */
  static int physicalBlockExponent(int blockSize) {
    return Integer.numberOfTrailingZeros(BlockLimits.physicalBlockBlocks(blockSize));
  }

  /** SBC-4 5.20: RETURNED LOGICAL BLOCK ADDRESS saturates at FFFF_FFFFh (then use READ CAPACITY(16)). */
  static CompletableFuture<ScsiResponse> readCapacity10(CommandContext ctx) {
    byte[] cdb = ctx.cdb();
    // SBC-3 5.16: a non-zero LOGICAL BLOCK ADDRESS with PMI=0 is an error (both obsolete in SBC-4)
    if ((cdb[8] & 0x01) == 0 && Cdb.u32(cdb, 2) != 0) {
      throw ScsiException.invalidCdbField(2);
    }
    ReplicatedVolume v = ctx.lu().volume();
    long last = v.blockCount() - 1;
    byte[] d = new byte[8];
    Cdb.put32(d, 0, Math.min(last, 0xFFFF_FFFFL));
    Cdb.put32(d, 4, v.logicalBlockSize());
    ByteBuf buf = ctx.allocHeap(d.length).writeBytes(d);
    return CommandContext.data(buf, d.length);
  }

  /** SBC-4 5.21: LBPME=1, LBPRZ=1, no protection, lowest aligned LBA 0; allocation length truncates. */
  static CompletableFuture<ScsiResponse> readCapacity16(CommandContext ctx) {
    long alloc = Cdb.u32(ctx.cdb(), 10);
    ReplicatedVolume v = ctx.lu().volume();
    byte[] d = new byte[32];
    Cdb.put64(d, 0, v.blockCount() - 1);
    Cdb.put32(d, 8, v.logicalBlockSize());
    d[12] = 0; // P_TYPE, PROT_EN
    d[13] = (byte) physicalBlockExponent(v.logicalBlockSize()); // P_I_EXPONENT 0
    d[14] = (byte) 0xC0; // LBPME, LBPRZ; LOWEST ALIGNED LOGICAL BLOCK ADDRESS 0
    ByteBuf buf = ctx.allocHeap(d.length).writeBytes(d);
    return CommandContext.data(buf, (int) Math.min(alloc, Integer.MAX_VALUE));
  }

  /**
   * SBC-4 5.7 GET LBA STATUS: a STARTING LBA beyond the last LBA is LBA OUT OF RANGE; the first
   * descriptor starts at the STARTING LBA; as many descriptors as fit the allocation length (at
   * most {@value #MAX_LBA_STATUS_DESCRIPTORS}, at least one) follow, each as long as possible.
   */
  static CompletableFuture<ScsiResponse> getLbaStatus(CommandContext ctx) {
    byte[] cdb = ctx.cdb();
    long lba = Cdb.u64(cdb, 2);
    long alloc = Cdb.u32(cdb, 10);
    ReplicatedVolume v = ctx.lu().volume();
    long cap = v.blockCount();
    if (lba < 0 || lba >= cap) {
      throw new ScsiException(SenseReason.LBA_OUT_OF_RANGE);
    }
    if (alloc == 0) {
      return SbcChecks.goodNow(0);
    }
    int max = (int) Math.max(1, Math.min(MAX_LBA_STATUS_DESCRIPTORS, (alloc - 8) / 16));
    return collect(v, lba, cap, max, new ArrayList<>()).thenApply(list -> {
      ByteBuf buf = ctx.allocHeap(8 + 16 * list.size());
      buf.writeInt(4 + 16 * list.size()).writeInt(0);
      for (LbaExtent e : list) {
        buf.writeLong(e.lba()).writeInt((int) e.count()).writeByte(e.mapped() ? 0 : 1)
            .writeZero(3);
      }
      if (buf.readableBytes() > alloc) {
        buf.writerIndex((int) alloc);
      }
      return ScsiResponse.good(buf, (int) Math.min(alloc, Integer.MAX_VALUE));
    });
  }

  private static CompletableFuture<List<LbaExtent>> collect(ReplicatedVolume v, long lba, long cap,
      int max, List<LbaExtent> acc) {
    if (acc.size() >= max || lba >= cap) {
      return CompletableFuture.completedFuture(acc);
    }
    return v.lbaStatus(lba, Math.min(cap - lba, 0xFFFF_FFFFL)).thenCompose(e -> {
      long n = Math.min(e.count(), cap - lba);
      if (n <= 0) {
        return CompletableFuture.completedFuture(acc);
      }
      acc.add(new LbaExtent(lba, n, e.mapped()));
      return collect(v, lba + n, cap, max, acc);
    });
  }
}
