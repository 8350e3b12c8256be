package io.blockraft.target.scsi.spc;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

class LunCommandsTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);

  private static byte[] reportLuns(int select, int alloc) {
    return cdb(0xA0, 0, select, 0, 0, 0, alloc >>> 24, alloc >>> 16, alloc >>> 8, alloc, 0, 0);
  }

  @Test
  void reportLuns_listsMappedLuns() {
    h.addLun(3, 512, 100, false);
    h.addLun(300, 512, 100, false);
    Result r = h.run(reportLuns(0, 1024));
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u32(0)).isEqualTo(24);
    assertThat(r.u64(8)).isEqualTo(Lun.encode(0));
    assertThat(r.u64(16)).isEqualTo(Lun.encode(3));
    assertThat(r.u64(24)).isEqualTo(Lun.encode(300));
    assertThat(r.u16(24)).isEqualTo(0x412C); // flat space addressing
  }

  @Test
  void reportLuns_selectReport1And2_includeTheWellKnownLun() {
    Result one = h.run(reportLuns(1, 1024));
    assertThat(one.u32(0)).isEqualTo(8);
    assertThat(one.u64(8)).isEqualTo(Lun.WLUN_REPORT_LUNS);
    Result two = h.run(reportLuns(2, 1024));
    assertThat(two.u32(0)).isEqualTo(16);
  }

  @Test
  void reportLuns_badSelectReport_isInvalidFieldInCdb() {
    assertThat(h.run(reportLuns(3, 1024)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void reportLuns_allocationLengthBelow16_isInvalidFieldInCdb() {
    assertThat(h.run(reportLuns(0, 15)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void reportLuns_onWellKnownLunAndUnmappedLun_works() {
    assertThat(h.runLun(h.nexus(), Lun.WLUN_REPORT_LUNS, reportLuns(0, 64), null, 64).status())
        .isEqualTo(ScsiStatus.GOOD);
    assertThat(h.runLun(h.nexus(), Lun.encode(9), reportLuns(0, 64), null, 64).status())
        .isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void reportLuns_clearsOnlyReportedLunsDataHasChanged() {
    h.lu().unitAttentions().establish(h.nexus(), SenseReason.REPORTED_LUNS_DATA_HAS_CHANGED);
    h.lu().unitAttentions().establish(h.nexus(), SenseReason.MODE_PARAMETERS_CHANGED);
    assertThat(h.run(reportLuns(0, 64)).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.run(cdb(0, 0, 0, 0, 0, 0)).is(SenseReason.MODE_PARAMETERS_CHANGED)).isTrue();
    assertThat(h.run(cdb(0, 0, 0, 0, 0, 0)).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void requestSense_returnsAndClearsPendingUnitAttention() {
    ItNexus n = h.newNexus("iqn.2024-01.test:fresh");
    Result r = h.run(n, cdb(0x03, 0, 0, 0, 252, 0), null, 252);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(0)).isEqualTo(0x70);
    assertThat(r.u8(2) & 0x0f).isEqualTo(6);
    assertThat(r.u8(12)).isEqualTo(0x29);
    assertThat(h.run(n, cdb(0, 0, 0, 0, 0, 0), null, 0).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void requestSense_nothingPending_isNoSense() {
    Result r = h.run(cdb(0x03, 0, 0, 0, 18, 0));
    assertThat(r.data()).hasSize(18);
    assertThat(r.u8(2) & 0x0f).isZero();
    assertThat(r.u8(12)).isZero();
  }

  @Test
  void requestSense_descriptorFormat() {
    Result r = h.run(cdb(0x03, 1, 0, 0, 252, 0));
    assertThat(r.u8(0)).isEqualTo(0x72);
    assertThat(r.data()).hasSize(8);
  }

  @Test
  void requestSense_unmappedLun_isLogicalUnitNotSupportedAsData() {
    Result r = h.runLun(h.nexus(), Lun.encode(5), cdb(0x03, 0, 0, 0, 18, 0), null, 18);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(2) & 0x0f).isEqualTo(5);
    assertThat(r.u8(12)).isEqualTo(0x25);
  }

  @Test
  void requestSense_truncatesToAllocationLength() {
    assertThat(h.run(cdb(0x03, 0, 0, 0, 8, 0)).data()).hasSize(8);
  }

  @Test
  void requestSense_volumeNotReady_reportsNotReadyAsData() {
    h.volume().setReady(false);
    Result r = h.run(cdb(0x03, 0, 0, 0, 18, 0));
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(2) & 0x0f).isEqualTo(2);
  }
}
