package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.replication.LocalReplicatedVolume;
import io.blockraft.storage.MemoryBlockStore;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SBC commands over the real single-node stack (LocalReplicatedVolume over the storage
 * module's MemoryBlockStore: 4 KiB units, 512-byte logical blocks), as LUN 1.
 */
class StoreBackedSbcTest {
  static final int BS = 512;
  static final long BLOCKS = 4096;
  final ExecutorService pool = Executors.newFixedThreadPool(2);
  final MemoryBlockStore store = new MemoryBlockStore();
  final ScsiHarness h = ScsiHarness.create(BS, 16, false);
  final LocalReplicatedVolume vol = new LocalReplicatedVolume(store.create("v1", BLOCKS, BS), pool);

  StoreBackedSbcTest() {
    h.target().map(1, new LogicalUnit(vol, false));
    h.drainUnitAttentions(h.nexus());
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private Result run(byte[] cdb, byte[] data) {
    return h.runLun(h.nexus(), Lun.encode(1), cdb, data, data == null ? 1 << 20 : data.length);
  }

  @Test
  void unalignedWritesAndUnmaps_keepTheirNeighbours() {
    assertThat(run(cdb10(0x2a, 0, 0, 24), filled(24 * BS, 'a')).good()).isTrue();
    assertThat(run(cdb10(0x2a, 0, 3, 2), filled(2 * BS, 'b')).good()).isTrue();
    assertThat(run(Cdbs.unmap(0, 24), unmapList(9, 5)).good()).isTrue();
    byte[] back = run(cdb10(0x28, 0, 0, 24), null).data();
    for (int lba = 0; lba < 24; lba++) {
      byte want = (byte) (lba >= 3 && lba < 5 ? 'b' : lba >= 9 && lba < 14 ? 0 : 'a');
      assertThat(Arrays.copyOfRange(back, lba * BS, (lba + 1) * BS)).as("lba %d", lba)
          .isEqualTo(filled(BS, want));
    }
  }

  @Test
  void getLbaStatus_afterUnmappingOnePhysicalBlock_reportsItDeallocatedAndTheNextMapped() {
    run(cdb10(0x2a, 0, 0, 264), filled(264 * BS, 'A'));
    for (int i = 0; i + 8 <= 256; i += 8) {
      assertThat(run(Cdbs.unmap(0, 24), unmapList(i, 8)).good()).isTrue();
      Result gone = run(serviceActionIn16(0x12, i, 24), null);
      assertThat(gone.u64(8)).isEqualTo(i);
      assertThat(gone.u8(20) & 0x0f).isEqualTo(1);
      Result next = run(serviceActionIn16(0x12, i + 8, 24), null);
      assertThat(next.u64(8)).isEqualTo(i + 8);
      assertThat(next.u8(20) & 0x0f).isZero();
    }
  }

  @Test
  void compareAndWrite_overTheStore_isAtomicAndReportsMiscompareOffset() {
    run(cdb16(0x8a, 0, 7, 2), filled(2 * BS, 'A'));
    byte[] verify = filled(2 * BS, 'A');
    verify[BS + 100] = 'C';
    byte[] data = new byte[4 * BS];
    System.arraycopy(verify, 0, data, 0, 2 * BS);
    Arrays.fill(data, 2 * BS, 4 * BS, (byte) 'B');
    Result miss = run(compareAndWrite(7, 2), data);
    assertThat(miss.is(SenseReason.MISCOMPARE_DURING_VERIFY)).isTrue();
    assertThat(information(miss.sense())).isEqualTo(BS + 100);
    System.arraycopy(filled(2 * BS, 'A'), 0, data, 0, 2 * BS);
    assertThat(run(compareAndWrite(7, 2), data).good()).isTrue();
    assertThat(run(cdb16(0x88, 0, 7, 2), null).data()).isEqualTo(filled(2 * BS, 'B'));
  }

  @Test
  void writeSame_patternZeroesAndUnmap_overTheStore() {
    assertThat(run(cdb16(0x93, 0, 1, 2040), filled(BS, 0x5c)).good()).isTrue();
    assertThat(run(cdb16(0x88, 0, 1, 2040), null).data()).isEqualTo(filled(2040 * BS, 0x5c));
    assertThat(run(cdb10(0x41, 0x08, 8, 16), new byte[BS]).good()).isTrue();
    assertThat(run(cdb16(0x88, 0, 7, 18), null).data())
        .isEqualTo(concat(filled(BS, 0x5c), new byte[16 * BS], filled(BS, 0x5c)));
    Result st = run(serviceActionIn16(0x12, 8, 24), null);
    assertThat(st.u8(20) & 0x0f).isEqualTo(1);
    assertThat(st.u32(16)).isEqualTo(16);
  }

  @Test
  void orWriteAndVerify_overTheStore() {
    run(cdb16(0x8a, 0, 100, 4), filled(4 * BS, 0x0f));
    assertThat(run(cdb16(0x8b, 0, 100, 4), filled(4 * BS, 0xf0)).good()).isTrue();
    assertThat(run(cdb16(0x8f, 0x02, 100, 4), filled(4 * BS, 0xff)).good()).isTrue();
  }

  @Test
  void sanitizeBlockErase_deallocatesEverything() {
    run(cdb10(0x2a, 0, 0, 8), filled(8 * BS, 1));
    run(cdb16(0x8a, 0, BLOCKS - 8, 8), filled(8 * BS, 1));
    assertThat(run(sanitize(0x02, 0), null).good()).isTrue();
    Result st = run(serviceActionIn16(0x12, 0, 24), null);
    assertThat(st.u8(20) & 0x0f).isEqualTo(1);
    assertThat(st.u32(16)).isEqualTo(BLOCKS);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
