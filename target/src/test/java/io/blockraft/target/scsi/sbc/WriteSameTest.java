package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WriteSameTest {
  static final int BS = 512;
  static final long BLOCKS = 8192;
  final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  private Result send(byte[] cdb, byte[] data) {
    return h.run(h.nexus(), cdb, data, data.length);
  }

  @Test
  void writeSame10_nonZeroPattern_isWrittenToEveryBlock_acrossChunks() {
    int n = 5000; // more than two 1 MiB chunks of 512-byte blocks
    Result r = send(cdb10(0x41, 0, 100, n), filled(BS, 0x42));
    assertThat(r.good()).isTrue();
    for (long lba = 100; lba < 100 + n; lba += 1000) {
      int k = (int) Math.min(1000, 100 + n - lba);
      assertThat(h.run(cdb16(0x88, 0, lba, k)).data()).isEqualTo(filled(k * BS, 0x42));
    }
    assertThat(h.volume().isMapped(99)).isFalse();
    assertThat(h.volume().isMapped(100 + n)).isFalse();
  }

  @Test
  void writeSame10_zeroBlockWithUnmap_deallocatesTheRange() {
    send(cdb10(0x2a, 0, 0, 8), filled(8 * BS, 0xff));
    assertThat(send(cdb10(0x41, 0x08, 0, 8), new byte[BS]).good()).isTrue();
    assertThat(h.volume().isMapped(0)).isFalse();
    assertThat(h.run(cdb10(0x28, 0, 0, 8)).data()).isEqualTo(new byte[8 * BS]);
  }

  @Test
  void writeSame10_unmapWithNonZeroData_stillUnmaps() {
    send(cdb10(0x2a, 0, 1, 7), filled(7 * BS, 0xff));
    assertThat(send(cdb10(0x41, 0x08, 1, 7), filled(BS, 0xff)).good()).isTrue();
    assertThat(h.volume().isMapped(1)).isFalse();
    assertThat(h.run(cdb10(0x28, 0, 1, 7)).data()).isEqualTo(new byte[7 * BS]);
  }

  @Test
  void writeSame16_ndob_zeroesWithoutDataOut() {
    send(cdb10(0x2a, 0, 10, 4), filled(4 * BS, 0xff));
    Result r = h.run(h.nexus(), cdb16(0x93, 0x09, 10, 4), null, 0);
    assertThat(r.good()).isTrue();
    assertThat(r.dataOutRequests()).isZero();
    assertThat(h.run(cdb10(0x28, 0, 10, 4)).data()).isEqualTo(new byte[4 * BS]);
  }

  @Test
  void writeSame10_zeroBlocks_writesToTheEndOfTheLun() {
    send(cdb10(0x2a, 0, BLOCKS - 3, 3), filled(3 * BS, 0xff));
    assertThat(send(cdb10(0x41, 0x08, BLOCKS - 3, 0), new byte[BS]).good()).isTrue();
    assertThat(h.volume().isMapped(BLOCKS - 1)).isFalse();
    assertThat(send(cdb10(0x41, 0, BLOCKS + 1, 0), new byte[BS]).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
  }

  @Test
  void writeSame16_moreThanMaximumWriteSameLength_isInvalidFieldInCdb() {
    long max = BlockLimits.maxWriteSameBlocks(BS);
    ScsiHarness big = ScsiHarness.create(BS, max + 10, false);
    byte[] blk = new byte[BS];
    assertThat(big.run(big.nexus(), cdb16(0x93, 0, 0, 0), blk, BS).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(big.run(big.nexus(), cdb16(0x93, 0, 9, 0), blk, BS).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(big.run(big.nexus(), cdb16(0x93, 0, 10, 0), blk, BS).good()).isTrue();
    assertThat(big.run(big.nexus(), cdb16(0x93, 0, 0, max + 1), blk, BS).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void writeSame_invalidCdbFields() {
    byte[] blk = new byte[BS];
    assertThat(send(cdb10(0x41, 0x10, 0, 1), blk).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue(); // ANCHOR
    assertThat(send(cdb10(0x41, 0x18, 0, 1), blk).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue(); // ANCHOR+UNMAP
    for (int p = 1; p < 8; p++) {
      assertThat(send(cdb16(0x93, p << 5, 0, 1), blk).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    }
  }

  @Test
  void writeSame_dataOutOtherThanOneBlock_isIllegalRequest() {
    Result small = send(cdb10(0x41, 0x08, 0, 1), filled(BS / 2, 0xa6));
    Result large = send(cdb16(0x93, 0x08, 0, 1), filled(2 * BS, 0xa6));
    assertThat(small.senseKey()).isEqualTo(0x5);
    assertThat(large.senseKey()).isEqualTo(0x5);
  }

  @Test
  void writeSame_beyondEnd_isLbaOutOfRange() {
    for (int i = 1; i <= 4; i++) {
      assertThat(send(cdb10(0x41, 0, BLOCKS - i + 1, i), new byte[BS]).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
      assertThat(send(cdb16(0x93, 0, -1L, i), new byte[BS]).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    }
  }

  @Test
  void writeSame_onReadOnlyLun_isWriteProtected_evenWithoutDataOut() {
    ScsiHarness ro = ScsiHarness.create(BS, BLOCKS, true);
    assertThat(ro.run(ro.nexus(), cdb10(0x41, 0, 0, 1), new byte[BS], BS).is(SenseReason.WRITE_PROTECTED)).isTrue();
    assertThat(ro.run(ro.nexus(), cdb10(0x41, 0x08, 0, 1), null, 0).is(SenseReason.WRITE_PROTECTED)).isTrue();
    assertThat(ro.run(ro.nexus(), cdb16(0x93, 0x08, 0, 1), null, 0).is(SenseReason.WRITE_PROTECTED)).isTrue();
  }

  @Test
  void isZero_detectsAnyNonZeroByte() {
    byte[] b = new byte[BS];
    assertThat(WriteSame.isZero(java.nio.ByteBuffer.wrap(b))).isTrue();
    for (int i : new int[] {0, 7, 8, BS - 1}) {
      byte[] c = Arrays.copyOf(b, BS);
      c[i] = 1;
      assertThat(WriteSame.isZero(java.nio.ByteBuffer.wrap(c))).isFalse();
    }
  }
}
