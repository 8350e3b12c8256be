package io.blockraft.target.scsi.spc;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InquiryTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);

  private Result inquiry(boolean evpd, int page, int alloc) {
    return h.run(cdb(0x12, evpd ? 1 : 0, page, alloc >>> 8, alloc & 0xff, 0));
  }

  @Test
  void standard_reportsSpc4DirectAccessWithAlua() {
    Result r = inquiry(false, 0, 260);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.data()).hasSize(96);
    assertThat(r.u8(0)).isEqualTo(0x00); // qualifier 0, type 0
    assertThat(r.u8(1)).isEqualTo(0x00); // not removable
    assertThat(r.u8(2)).isEqualTo(0x06);
    assertThat(r.u8(3) & 0x0f).isEqualTo(2); // response data format
    assertThat(r.u8(3) & 0x10).isEqualTo(0x10); // HISUP
    assertThat(r.u8(3) & 0xc0).isZero(); // AERC, TRMTSK clear
    assertThat(r.u8(4)).isEqualTo(r.data().length - 5);
    assertThat((r.u8(5) >>> 4) & 3).isEqualTo(1); // TPGS implicit
    assertThat(r.u8(5) & 0x08).isEqualTo(0x08); // 3PC: third-party copy (EXTENDED COPY) supported
    assertThat(r.u8(7) & 0x02).isEqualTo(0x02); // CMDQUE
    assertThat(r.ascii(8, 8)).isEqualTo("BLOCKRFT");
    assertThat(r.ascii(16, 16)).isEqualTo("blockraft       ");
    assertThat(r.u16(58)).isEqualTo(0x00A0);
    assertThat(r.u16(60)).isEqualTo(0x0960);
    assertThat(r.u16(62)).isEqualTo(0x0460);
    assertThat(r.u16(64)).isEqualTo(0x04C0);
  }

  @Test
  void standard_truncatesToAllocationLength_forEveryLengthFrom0To255() {
    byte[] full = inquiry(false, 0, 260).data();
    for (int alloc = 0; alloc < 256; alloc++) {
      Result r = inquiry(false, 0, alloc);
      assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
      assertThat(r.data()).hasSize(Math.min(alloc, full.length));
      assertThat(r.transferLength()).isEqualTo(alloc);
    }
  }

  @Test
  void standard_sixteenBitAllocationLength_511and512Agree() {
    assertThat(inquiry(false, 0, 511).data()).isEqualTo(inquiry(false, 0, 512).data());
  }

  @Test
  void evpdZeroWithPageCode_isInvalidFieldInCdb() {
    Result r = inquiry(false, 1, 256);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void unsupportedVpdPage_isInvalidFieldInCdb() {
    assertThat(inquiry(true, 0x87, 255).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void cmddt_isInvalidFieldInCdb() {
    assertThat(h.run(cdb(0x12, 0x02, 0, 0, 255, 0)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void unmappedLun_reportsQualifier3Type1f() {
    Result r = h.runLun(h.nexus(), Lun.encode(7), cdb(0x12, 0, 0, 0, 96, 0), null, 96);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(0)).isEqualTo(0x7F);
  }

  @Test
  void inquiry_doesNotReportUnitAttention() {
    var n = h.newNexus("iqn.2024-01.test:fresh");
    Result r = h.run(n, cdb(0x12, 0, 0, 0, 96, 0), null, 96);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.run(n, cdb(0, 0, 0, 0, 0, 0), null, 0).is(SenseReason.POWER_ON_RESET)).isTrue();
  }

  @Test
  void removableLu_setsRmb() {
    h.lu().setRemovable(true);
    assertThat(inquiry(false, 0, 96).u8(1)).isEqualTo(0x80);
  }

  @Test
  void supportedPages_areSortedAndAllReadable() {
    Result r = inquiry(true, 0x00, 255);
    assertThat(r.u8(1)).isZero();
    int n = r.u16(2);
    assertThat(r.data()).hasSize(4 + n);
    int prev = -1;
    for (int i = 0; i < n; i++) {
      int page = r.u8(4 + i);
      assertThat(page).isGreaterThan(prev);
      prev = page;
      Result p = inquiry(true, page, 255);
      assertThat(p.status()).as("page %02x", page).isEqualTo(ScsiStatus.GOOD);
      assertThat(p.u8(1)).isEqualTo(page);
      assertThat(p.data()).hasSize(4 + p.u16(2));
    }
    assertThat(r.data()).contains((byte) 0x80, (byte) 0x83, (byte) 0xB0, (byte) 0xB1, (byte) 0xB2);
  }

  @Test
  void unitSerial_isHexOfVolumeUuid() {
    Result r = inquiry(true, 0x80, 255);
    assertThat(r.ascii(4, r.u16(2))).isEqualTo(HexFormat.of().formatHex(h.volume().uuid()));
  }

  @Test
  void deviceIdentification_hasNaaAndTargetPortDesignators() {
    Result r = inquiry(true, 0x83, 512);
    int end = 4 + r.u16(2);
    assertThat(r.data()).hasSize(end);
    boolean naa = false;
    boolean rtp = false;
    boolean tpg = false;
    boolean portName = false;
    for (int off = 4; off < end; off += 4 + r.u8(off + 3)) {
      int codeSet = r.u8(off) & 0x0f;
      int proto = r.u8(off) >>> 4;
      boolean piv = (r.u8(off + 1) & 0x80) != 0;
      int assoc = (r.u8(off + 1) >>> 4) & 3;
      int type = r.u8(off + 1) & 0x0f;
      int len = r.u8(off + 3);
      if (type == 3 && assoc == 0) {
        naa = true;
        assertThat(codeSet).isEqualTo(1);
        assertThat(len).isEqualTo(8);
        assertThat(r.u8(off + 4) >>> 4).as("NAA 3h").isEqualTo(3);
      }
      if (type == 4 && assoc == 1) {
        rtp = true;
        assertThat(piv).isTrue();
        assertThat(proto).isEqualTo(5);
        assertThat(r.u16(off + 6)).isEqualTo(ScsiHarness.REL_PORT);
      }
      if (type == 5 && assoc == 1) {
        tpg = true;
        assertThat(r.u16(off + 6)).isEqualTo(ScsiHarness.TPG);
      }
      if (type == 8 && assoc == 1) {
        portName = true;
        assertThat(codeSet).isEqualTo(3);
        assertThat(len % 4).isZero();
        assertThat(r.ascii(off + 4, len)).startsWith(ScsiHarness.TARGET_NAME + ",t,0x0001\0");
      }
    }
    assertThat(naa && rtp && tpg && portName).isTrue();
  }

  @Test
  void naaDesignator_isTheSameOnEveryTargetPort() {
    byte[] a = VpdPages.naa(h.lu());
    var other = new io.blockraft.target.scsi.ItNexus("iqn.x", new byte[6], "iqn.other", 2, 2);
    byte[] page = VpdPages.deviceIdentification(h.lu(), other, h.target());
    assertThat(java.util.Arrays.copyOfRange(page, 8, 16)).isEqualTo(a);
    assertThat(a[0] >>> 4).as("NAA 3h, locally assigned").isEqualTo(3);
  }

  @Test
  void blockLimits_publishesBlockLimitsConstants() {
    Result r = inquiry(true, 0xB0, 255);
    assertThat(r.u16(2)).isEqualTo(0x3C);
    assertThat(r.data()).hasSize(64);
    assertThat(r.u8(5)).isEqualTo(BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS);
    assertThat(r.u32(8)).isEqualTo((32 << 20) / 512);
    assertThat(r.u32(20)).isEqualTo(BlockLimits.MAX_UNMAP_LBA_COUNT);
    assertThat(r.u32(24)).isEqualTo(BlockLimits.MAX_UNMAP_DESCRIPTORS);
    assertThat(r.u32(28)).isEqualTo(8); // 4096 / 512
    assertThat(r.u64(36)).isEqualTo(BlockLimits.maxWriteSameBlocks(512));
    assertThat(r.u32(44)).isEqualTo(BlockLimits.maxAtomicTransferBlocks(512));
    assertThat(r.u32(44)).isLessThanOrEqualTo(r.u32(8));
    assertThat(r.u32(48)).isEqualTo(1);
    assertThat(r.u32(52)).isEqualTo(1);
  }

  @Test
  void blockDeviceCharacteristics_isNonRotating() {
    Result r = inquiry(true, 0xB1, 255);
    assertThat(r.u16(4)).isEqualTo(1);
  }

  @Test
  void logicalBlockProvisioning_isThinWithUnmapAndWriteSame() {
    Result r = inquiry(true, 0xB2, 255);
    assertThat(r.u8(5) & 0xE4).isEqualTo(0xE4); // LBPU LBPWS LBPWS10 LBPRZ
    assertThat(r.u8(6) & 7).isEqualTo(2);
  }

  @Test
  void inquiry_answersWhileVolumeNotReady() {
    h.volume().setReady(false);
    assertThat(inquiry(false, 0, 96).status()).isEqualTo(ScsiStatus.GOOD);
  }
}
