package io.blockraft.target.scsi.alua;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTargetPortGroupsTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);

  private Result rtpg(int format, int alloc) {
    return h.run(cdb(0xA3, (format << 5) | 0x0A, 0, 0, 0, 0, alloc >>> 24, alloc >>> 16,
        alloc >>> 8, alloc, 0, 0));
  }

  @Test
  void singleNode_oneActiveOptimizedGroupWithThisPort() {
    Result r = rtpg(0, 1024);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u32(0)).isEqualTo(12);
    assertThat(r.u8(4) & 0x0f).isEqualTo(0); // A/O
    assertThat(r.u8(5)).isEqualTo(0x89); // T_SUP U_SUP AO_SUP
    assertThat(r.u16(6)).isEqualTo(ScsiHarness.TPG);
    assertThat(r.u8(11)).isEqualTo(1);
    assertThat(r.u16(14)).isEqualTo(ScsiHarness.REL_PORT);
  }

  @Test
  void extendedHeader_whenAsked() {
    Result r = rtpg(1, 1024);
    assertThat(r.u32(0)).isEqualTo(16);
    assertThat(r.u8(4)).isEqualTo(0x10);
    assertThat(r.u16(10)).isEqualTo(ScsiHarness.TPG);
  }

  @Test
  void reservedFormat_isInvalidFieldInCdb() {
    assertThat(rtpg(2, 1024).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void answersWhileVolumeNotReady_asTransitioning() {
    h.volume().setReady(false);
    Result r = rtpg(0, 1024);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(4) & 0x0f).isEqualTo(0x0F);
  }

  @Test
  void groupsComeFromTheInstalledSource() {
    h.target().setAluaGroups((lu, n) -> List.of(
        new PortGroup(1, AccessState.ACTIVE_OPTIMIZED, true, EnumSet.allOf(AccessState.class), 2, List.of(1)),
        new PortGroup(2, AccessState.ACTIVE_NON_OPTIMIZED, false, EnumSet.of(AccessState.ACTIVE_NON_OPTIMIZED),
            0, List.of(2, 3))));
    Result r = rtpg(0, 1024);
    assertThat(r.u32(0)).isEqualTo(12 + 16);
    assertThat(r.u8(4)).isEqualTo(0x80);
    assertThat(r.u8(9)).isEqualTo(2);
    assertThat(r.u8(16) & 0x0f).isEqualTo(1);
    assertThat(r.u8(23)).isEqualTo(2);
    assertThat(r.u16(30)).isEqualTo(3);
  }

  @Test
  void truncatesToAllocationLength() {
    assertThat(rtpg(0, 4).data()).hasSize(4);
  }
}
