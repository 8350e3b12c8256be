package io.blockraft.target.scsi.spc;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.TmfFunction;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

class MediumCommandsTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);

  private static final byte[] TUR = cdb(0, 0, 0, 0, 0, 0);

  private Result ssu(ItNexus n, boolean immed, int pc, boolean noFlush, boolean loej, boolean start) {
    return h.run(n, cdb(0x1B, immed ? 1 : 0, 0, 0,
        (pc << 4) | (noFlush ? 4 : 0) | (loej ? 2 : 0) | (start ? 1 : 0), 0), null, 0);
  }

  private Result prevent(ItNexus n, int p) {
    return h.run(n, cdb(0x1E, 0, 0, 0, p, 0), null, 0);
  }

  @Test
  void testUnitReady_isGood() {
    assertThat(h.run(TUR).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void testUnitReady_firstCommandOfNewNexus_isPowerOnReset() {
    ItNexus n = h.newNexus("iqn.2024-01.test:new");
    assertThat(h.run(n, TUR, null, 0).is(SenseReason.POWER_ON_RESET)).isTrue();
    assertThat(h.run(n, TUR, null, 0).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void testUnitReady_volumeNotReady_isNotReady() {
    h.volume().setReady(false);
    assertThat(h.run(TUR).senseKey()).isEqualTo(2);
  }

  @Test
  void startStopUnit_nonRemovable_everyCombinationIsGood() {
    for (int bits = 0; bits < 16; bits++) {
      Result r = ssu(h.nexus(), (bits & 8) != 0, 0, (bits & 4) != 0, (bits & 2) != 0, (bits & 1) != 0);
      assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
      assertThat(h.run(TUR).status()).isEqualTo(ScsiStatus.GOOD);
    }
  }

  @Test
  void startStopUnit_stopWithFlush_flushesVolume() {
    ssu(h.nexus(), false, 0, false, false, false);
    assertThat(h.volume().flushes()).isEqualTo(1);
  }

  @Test
  void removable_ejectThenTur_isMediumNotPresent_loadMakesItReady() {
    h.lu().setRemovable(true);
    assertThat(ssu(h.nexus(), true, 0, false, true, false).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.run(TUR).is(SenseReason.MEDIUM_NOT_PRESENT)).isTrue();
    // medium access fails, INQUIRY still answers
    assertThat(h.run(cdb(0x12, 0, 0, 0, 96, 0)).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(ssu(h.nexus(), true, 0, false, true, true).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.run(TUR).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void removable_powerConditionSet_ignoresLoej() {
    h.lu().setRemovable(true);
    for (int pc = 1; pc < 16; pc++) {
      assertThat(ssu(h.nexus(), true, pc, false, true, false).status()).isEqualTo(ScsiStatus.GOOD);
      assertThat(h.run(TUR).status()).isEqualTo(ScsiStatus.GOOD);
    }
  }

  @Test
  void prevent_blocksEjectAndLoad_untilAllowed() {
    h.lu().setRemovable(true);
    assertThat(prevent(h.nexus(), 1).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(ssu(h.nexus(), false, 0, false, true, false).is(SenseReason.MEDIUM_REMOVAL_PREVENTED)).isTrue();
    assertThat(h.run(TUR).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(prevent(h.nexus(), 0).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(ssu(h.nexus(), false, 0, false, true, false).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.run(TUR).is(SenseReason.MEDIUM_NOT_PRESENT)).isTrue();
    assertThat(prevent(h.nexus(), 1).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(ssu(h.nexus(), false, 0, false, true, true).is(SenseReason.MEDIUM_REMOVAL_PREVENTED)).isTrue();
    prevent(h.nexus(), 0);
    assertThat(ssu(h.nexus(), false, 0, false, true, true).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void prevent_onOneNexus_blocksEjectFromAnother() {
    h.lu().setRemovable(true);
    ItNexus other = h.nexus("iqn.2024-01.test:other");
    prevent(h.nexus(), 1);
    assertThat(ssu(other, false, 0, false, true, false).is(SenseReason.MEDIUM_REMOVAL_PREVENTED)).isTrue();
  }

  @Test
  void prevent_clearedByNexusLoss() {
    h.lu().setRemovable(true);
    prevent(h.nexus(), 1);
    h.target().nexusLost(h.nexus());
    ItNexus again = h.nexus("iqn.2024-01.test:initiator2");
    assertThat(ssu(again, false, 0, false, true, false).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void prevent_clearedByLunReset() {
    h.lu().setRemovable(true);
    prevent(h.nexus(), 1);
    h.target().taskManagement(h.nexus(), TmfFunction.LOGICAL_UNIT_RESET, Lun.encode(0)).join();
    h.drainUnitAttentions(h.nexus());
    assertThat(ssu(h.nexus(), false, 0, false, true, false).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void prevent_obsoleteValue_isInvalidFieldInCdb() {
    assertThat(prevent(h.nexus(), 2).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void readDefectData10_returnsEmptyListInRequestedFormat() {
    Result r = h.run(cdb(0x37, 0, 0x18 | 0x05, 0, 0, 0, 0, 0, 32, 0));
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.data()).containsExactly(0, 0x1D, 0, 0);
  }

  @Test
  void readDefectData12_returnsEightByteHeader() {
    Result r = h.run(cdb(0xB7, 0x08 | 0x03, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0));
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.data()).containsExactly(0, 0x0B, 0, 0, 0, 0, 0, 0);
  }
}
