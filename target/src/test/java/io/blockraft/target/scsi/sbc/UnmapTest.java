package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.BlockLimits;
import org.junit.jupiter.api.Test;

class UnmapTest {
  static final int BS = 512;
  static final long BLOCKS = 2048;
  final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  private Result unmap(byte[] list) {
    return h.run(h.nexus(), Cdbs.unmap(0, list.length), list, list.length);
  }

  @Test
  void unmap_descriptors_deallocateExactlyThoseBlocks() {
    h.run(h.nexus(), cdb10(0x2a, 0, 0, 16), filled(16 * BS, 'a'), 16 * BS);
    assertThat(unmap(unmapList(0, 3, 10, 2)).good()).isTrue();
    assertThat(h.volume().isMapped(0)).isFalse();
    assertThat(h.volume().isMapped(2)).isFalse();
    assertThat(h.volume().isMapped(3)).isTrue();
    assertThat(h.volume().isMapped(11)).isFalse();
    assertThat(h.volume().isMapped(12)).isTrue();
    assertThat(h.run(cdb10(0x28, 0, 0, 3)).data()).isEqualTo(new byte[3 * BS]);
  }

  @Test
  void unmap_zeroBlocks_andNoDescriptors_areGood() {
    assertThat(unmap(unmapList(BLOCKS, 0)).good()).isTrue();
    assertThat(unmap(unmapList()).good()).isTrue();
    assertThat(h.run(h.nexus(), Cdbs.unmap(0, 0), null, 0).good()).isTrue();
  }

  @Test
  void unmap_parameterListShorterThanHeader_isParameterListLengthError() {
    byte[] p = new byte[7];
    assertThat(h.run(h.nexus(), Cdbs.unmap(0, 7), p, 7).is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).isTrue();
  }

  @Test
  void unmap_anchor_isInvalidFieldInCdb() {
    byte[] list = unmapList(0, 1);
    assertThat(h.run(h.nexus(), Cdbs.unmap(1, list.length), list, list.length).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void unmap_descriptorBeyondEnd_isLbaOutOfRange_andUnmapsNothing() {
    h.run(h.nexus(), cdb10(0x2a, 0, 0, 1), filled(BS, 'a'), BS);
    assertThat(unmap(unmapList(0, 1, BLOCKS - 1, 2)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(unmap(unmapList(-1L, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.volume().isMapped(0)).isTrue();
  }

  @Test
  void unmap_tooManyDescriptorsOrBlocks_isInvalidFieldInParameterList() {
    long[] many = new long[2 * (BlockLimits.MAX_UNMAP_DESCRIPTORS + 1)];
    for (int i = 0; i < many.length / 2; i++) {
      many[2 * i] = i;
      many[2 * i + 1] = 1;
    }
    assertThat(unmap(unmapList(many)).is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    ScsiHarness big = ScsiHarness.create(BS, BlockLimits.MAX_UNMAP_LBA_COUNT + 10, false);
    byte[] list = unmapList(0, BlockLimits.MAX_UNMAP_LBA_COUNT + 1);
    assertThat(big.run(big.nexus(), Cdbs.unmap(0, list.length), list, list.length)
        .is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
  }

  @Test
  void unmap_onReadOnlyLun_isWriteProtected() {
    ScsiHarness ro = ScsiHarness.create(BS, BLOCKS, true);
    byte[] list = unmapList(0, 1);
    Result r = ro.run(ro.nexus(), Cdbs.unmap(0, list.length), list, list.length);
    assertThat(r.is(SenseReason.WRITE_PROTECTED)).isTrue();
    assertThat(r.dataOutRequests()).isZero();
  }
}
