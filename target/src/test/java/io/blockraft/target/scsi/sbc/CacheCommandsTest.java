package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

/** SYNCHRONIZE CACHE and PRE-FETCH. */
class CacheCommandsTest {
  static final long BLOCKS = 1000;
  final ScsiHarness h = ScsiHarness.create(512, BLOCKS, false);

  @Test
  void synchronizeCache10And16_flushTheVolume() {
    assertThat(h.run(cdb10(0x35, 0, 0, 0)).good()).isTrue();
    assertThat(h.run(cdb16(0x91, 0x02, 10, 10)).good()).isTrue();
    assertThat(h.volume().flushes()).isEqualTo(2);
  }

  @Test
  void synchronizeCache_beyondEnd_isLbaOutOfRange() {
    assertThat(h.run(cdb10(0x35, 0, BLOCKS - 1, 2)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb16(0x91, 0, -1L, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.volume().flushes()).isZero();
  }

  @Test
  void preFetch_inRange_isConditionMet() {
    assertThat(h.run(cdb10(0x34, 0, 0, 0)).status()).isEqualTo(ScsiStatus.CONDITION_MET);
    assertThat(h.run(cdb10(0x34, 0x02, BLOCKS - 256, 256)).status()).isEqualTo(ScsiStatus.CONDITION_MET);
    assertThat(h.run(cdb16(0x90, 0, BLOCKS - 1, 1)).status()).isEqualTo(ScsiStatus.CONDITION_MET);
  }

  @Test
  void preFetch_beyondEnd_isLbaOutOfRange() {
    assertThat(h.run(cdb10(0x34, 0, BLOCKS + 1, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb10(0x34, 0, 0x80000000L, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb16(0x90, 0, BLOCKS - 1, 2)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb16(0x90, 0, Long.MIN_VALUE, 1)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
  }

  @Test
  void preFetch16_longerThanMaximumPrefetchLength_isInvalidFieldInCdb() {
    long tooMany = io.blockraft.target.scsi.spc.BlockLimits.maxTransferBlocks(512) + 1L;
    assertThat(h.run(cdb16(0x90, 0, 0, tooMany)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }
}
