package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReadWriteTest {
  static final int BS = 512;
  static final long BLOCKS = 2048;
  final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  private Result write(byte[] cdb, byte[] data) {
    return h.run(h.nexus(), cdb, data, data.length);
  }

  @Test
  void write10_thenRead10_returnsTheData() {
    byte[] data = filled(3 * BS, 0x5a);
    data[BS + 7] = 1;
    assertThat(write(cdb10(0x2a, 0, 100, 3), data).good()).isTrue();
    Result r = h.run(cdb10(0x28, 0, 100, 3));
    assertThat(r.good()).isTrue();
    assertThat(r.data()).isEqualTo(data);
    assertThat(r.transferLength()).isEqualTo(3 * BS);
  }

  @Test
  void read12AndRead16_readWhatWrite12AndWrite16Wrote() {
    byte[] a = filled(2 * BS, 0x11);
    byte[] b = filled(BS, 0x22);
    assertThat(write(cdb12(0xaa, 0, 10, 2), a).good()).isTrue();
    assertThat(write(cdb16(0x8a, 0, BLOCKS - 1, 1), b).good()).isTrue();
    assertThat(h.run(cdb12(0xa8, 0, 10, 2)).data()).isEqualTo(a);
    assertThat(h.run(cdb16(0x88, 0, BLOCKS - 1, 1)).data()).isEqualTo(b);
  }

  @Test
  void read6_transferLengthZero_means256Blocks() {
    Result r = h.run(read6(0, 0));
    assertThat(r.good()).isTrue();
    assertThat(r.data()).hasSize(256 * BS);
  }

  @Test
  void write6_thenRead6_roundTrips() {
    byte[] data = filled(BS, 0x33);
    assertThat(write(write6(5, 1), data).good()).isTrue();
    assertThat(h.run(read6(5, 1)).data()).isEqualTo(data);
  }

  @Test
  void read10_beyondEndOfLun_isLbaOutOfRange() {
    assertThat(h.run(cdb10(0x28, 0, BLOCKS - 1, 2)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb10(0x28, 0, BLOCKS + 1, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb10(0x28, 0, 0x80000000L, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb10(0x28, 0, 0xffffffffL, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
  }

  @Test
  void read16_lbaAtTwoTo63OrMinusOne_isLbaOutOfRange() {
    assertThat(h.run(cdb16(0x88, 0, Long.MIN_VALUE, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb16(0x88, 0, -1L, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(read6(0x1fffff, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
  }

  @Test
  void read10_zeroBlocks_isGoodAtStartAndAtCapacity() {
    assertThat(h.run(cdb10(0x28, 0, 0, 0)).good()).isTrue();
    assertThat(h.run(cdb10(0x28, 0, BLOCKS, 0)).good()).isTrue();
  }

  @Test
  void read10_nonZeroRdprotect_isInvalidFieldInCdb() {
    for (int p = 1; p < 8; p++) {
      assertThat(h.run(cdb10(0x28, p << 5, 0, 1)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    }
  }

  @Test
  void readAndWrite_withDpoAndFua_areGood() {
    assertThat(h.run(cdb10(0x28, 0x18, 0, 1)).good()).isTrue();
    assertThat(write(cdb16(0x8a, 0x18, 0, 1), filled(BS, 1)).good()).isTrue();
  }

  @Test
  void write_withFua_flushesTheVolume_withoutFua_doesNot() {
    write(cdb10(0x2a, 0, 0, 1), filled(BS, 1));
    assertThat(h.volume().flushes()).isZero();
    write(cdb10(0x2a, 0x08, 0, 1), filled(BS, 1));
    assertThat(h.volume().flushes()).isEqualTo(1);
    write(cdb16(0x8e, 0x02, 0, 1), filled(BS, 1)); // WRITE AND VERIFY: on the medium before GOOD
    assertThat(h.volume().flushes()).isEqualTo(2);
  }

  @Test
  void read16_transferLengthAboveMaximum_isInvalidFieldInCdb() {
    long tooMany = BlockLimits.maxTransferBlocks(BS) + 1L;
    assertThat(h.run(cdb16(0x88, 0, 0, tooMany)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void read10_edtlSmallerThanTransferLength_returnsEdtlBytesAndFullTransferLength() {
    Result r = h.run(h.nexus(), cdb10(0x28, 0, 0, 2), null, 200);
    assertThat(r.good()).isTrue();
    assertThat(r.data()).hasSize(200);
    assertThat(r.transferLength()).isEqualTo(2 * BS);
  }

  @Test
  void write10_edtlSmallerThanTransferLength_writesOnlyTheOfferedBlocks() {
    write(cdb10(0x2a, 0, 0, 2), filled(2 * BS, 'a'));
    Result r = h.run(h.nexus(), cdb10(0x2a, 0, 0, 2), filled(BS, 'b'), BS);
    assertThat(r.good()).isTrue();
    assertThat(r.transferLength()).isEqualTo(2 * BS);
    byte[] back = h.run(cdb10(0x28, 0, 0, 2)).data();
    assertThat(Arrays.copyOfRange(back, 0, BS)).isEqualTo(filled(BS, 'b'));
    assertThat(Arrays.copyOfRange(back, BS, 2 * BS)).isEqualTo(filled(BS, 'a'));
  }

  @Test
  void write10_edtlLargerThanTransferLength_writesOnlyTheTransferLength() {
    write(cdb10(0x2a, 0, 0, 2), filled(2 * BS, 'a'));
    Result r = h.run(h.nexus(), cdb10(0x2a, 0, 0, 1), filled(2 * BS, 'b'), 2 * BS);
    assertThat(r.good()).isTrue();
    byte[] back = h.run(cdb10(0x28, 0, 0, 2)).data();
    assertThat(Arrays.copyOfRange(back, BS, 2 * BS)).isEqualTo(filled(BS, 'a'));
  }

  @Test
  void write10_edtlZeroOrBelowOneBlock_isGoodAndWritesNothing() {
    assertThat(h.run(h.nexus(), cdb10(0x2a, 0, 0, 1), new byte[0], 0).good()).isTrue();
    Result r = h.run(h.nexus(), cdb10(0x2a, 0, 0, 1), filled(200, 7), 200);
    assertThat(r.good()).isTrue();
    assertThat(r.dataOutRequests()).isZero();
    assertThat(h.volume().isMapped(0)).isFalse();
  }

  @Test
  void write16_nonZeroWrprotect_isInvalidFieldInCdb_withoutDataTransfer() {
    Result r = write(cdb16(0x8a, 3 << 5, 0, 1), filled(BS, 1));
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(r.dataOutRequests()).isZero();
  }

  @Test
  void write10_beyondEndOfLun_isLbaOutOfRange() {
    assertThat(write(cdb10(0x2a, 0, BLOCKS - 1, 2), filled(2 * BS, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(write(cdb12(0xaa, 0, BLOCKS + 1, 0), new byte[0]).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
  }

  @Test
  void writes_onReadOnlyLun_areWriteProtected_afterRangeChecks() {
    ScsiHarness ro = ScsiHarness.create(BS, BLOCKS, true);
    byte[] d = filled(BS, 1);
    for (byte[] cdb : new byte[][] {write6(0, 1), cdb10(0x2a, 0, 0, 1), cdb12(0xaa, 0, 0, 1),
        cdb16(0x8a, 0, 0, 1), cdb10(0x2e, 2, 0, 1), cdb12(0xae, 2, 0, 1), cdb16(0x8e, 2, 0, 1),
        cdb16(0x8b, 0, 0, 1), writeAtomic16(0, 1)}) {
      Result r = ro.run(ro.nexus(), cdb, d, d.length);
      assertThat(r.is(SenseReason.WRITE_PROTECTED)).as("opcode %02x", cdb[0]).isTrue();
      assertThat(r.dataOutRequests()).isZero();
    }
    Result oob = ro.run(ro.nexus(), cdb10(0x2a, 0, BLOCKS, 1), d, d.length);
    assertThat(oob.is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(ro.run(cdb10(0x28, 0, 0, 1)).good()).isTrue();
  }

  @Test
  void writeAndVerify_writesTheData_andRejectsReservedBytchk() {
    byte[] d = filled(2 * BS, 0x44);
    assertThat(write(cdb16(0x8e, 0x02, 7, 2), d).good()).isTrue();
    assertThat(h.run(cdb16(0x88, 0, 7, 2)).data()).isEqualTo(d);
    assertThat(write(cdb10(0x2e, 0x04, 7, 1), filled(BS, 1)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(write(cdb10(0x2e, 0x06, 7, 1), filled(BS, 1)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void writeAtomic16_writesUpTo256Blocks_andChecksRangeAndLimits() {
    byte[] d = filled(256 * BS, 0x66);
    assertThat(write(writeAtomic16(BLOCKS - 256, 256), d).good()).isTrue();
    assertThat(h.run(cdb16(0x88, 0, BLOCKS - 256, 256)).data()).isEqualTo(d);
    assertThat(h.run(h.nexus(), writeAtomic16(0, 0), null, 0).good()).isTrue();
    assertThat(write(writeAtomic16(BLOCKS - 1, 2), filled(2 * BS, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(h.nexus(), writeAtomic16(-1L, 0), null, 0).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    int tooMany = BlockLimits.maxAtomicTransferBlocks(BS) + 1;
    assertThat(h.run(h.nexus(), writeAtomic16(0, tooMany), null, 0).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(write(writeAtomic16(0, 1), filled(BS, 1)).good()).isTrue();
    byte[] wp = writeAtomic16(0, 1);
    wp[1] = (byte) 0x20;
    assertThat(write(wp, filled(BS, 1)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }
}
