package io.blockraft.target.scsi.spc;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ModeSenseSelectTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);

  private Result sense6(boolean dbd, int pc, int page, int subpage, int alloc) {
    return h.run(cdb(0x1A, dbd ? 0x08 : 0, (pc << 6) | page, subpage, alloc, 0));
  }

  private Result sense10(boolean dbd, boolean llbaa, int pc, int page, int alloc) {
    return h.run(cdb(0x5A, (dbd ? 0x08 : 0) | (llbaa ? 0x10 : 0), (pc << 6) | page, 0, 0, 0, 0,
        alloc >>> 8, alloc & 0xff, 0));
  }

  /** Pages after header and block descriptors, by page code. */
  private static byte[] page(Result r, boolean ten, int code) {
    byte[] d = r.data();
    int hdr = ten ? 8 : 4;
    int bd = ten ? r.u16(6) : r.u8(3);
    for (int off = hdr + bd; off < d.length; off += 2 + (d[off + 1] & 0xff)) {
      if ((d[off] & 0x3f) == code) {
        return Arrays.copyOfRange(d, off, off + 2 + (d[off + 1] & 0xff));
      }
    }
    return null;
  }

  private Result select6(ItNexus n, byte[] page) {
    byte[] list = new byte[4 + page.length];
    System.arraycopy(page, 0, list, 4, page.length);
    return h.run(n, cdb(0x15, 0x10, 0, 0, list.length, 0), list, list.length);
  }

  @Test
  void allPages_returnsCachingControlAndInformationalExceptions() {
    Result r = sense6(false, 0, 0x3F, 0, 255);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(0)).isEqualTo(r.data().length - 1);
    assertThat(r.u8(2) & 0x10).isEqualTo(0x10); // DPOFUA
    assertThat(r.u8(2) & 0x80).isZero(); // not write protected
    assertThat(r.u8(3)).isEqualTo(8);
    assertThat(r.u32(4)).isEqualTo(2048);
    assertThat(r.u32(8) & 0xffffff).isEqualTo(512);
    assertThat(page(r, false, 0x08)).hasSize(20);
    assertThat(page(r, false, 0x0A)).hasSize(12);
    assertThat(page(r, false, 0x1C)).hasSize(12);
    assertThat(page(r, false, 0x08)[2] & 0x04).isEqualTo(0x04); // WCE
  }

  @Test
  void controlPage_directlyEqualsControlPageFromAllPages() {
    byte[] all = page(sense6(true, 0, 0x3F, 0, 255), false, 0x0A);
    byte[] one = page(sense6(true, 0, 0x0A, 0, 255), false, 0x0A);
    assertThat(one).isEqualTo(all);
    assertThat(one[2] & 0x04).isZero(); // D_SENSE off: we send fixed format sense
  }

  @Test
  void allocationLength4_returnsOnlyHeaderBytes() {
    Result r = sense6(false, 0, 0x3F, 0, 4);
    assertThat(r.data()).hasSize(4);
    assertThat(r.transferLength()).isEqualTo(4);
  }

  @Test
  void subpageFF_isAllSubpages() {
    assertThat(sense6(false, 0, 0x3F, 0xFF, 255).data()).isEqualTo(sense6(false, 0, 0x3F, 0, 255).data());
  }

  @Test
  void unsupportedPage_isInvalidFieldInCdb() {
    assertThat(sense6(false, 0, 0x19, 0, 255).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(sense6(false, 0, 0x08, 0x01, 255).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void savedValues_isSavingParametersNotSupported() {
    assertThat(sense6(false, 3, 0x3F, 0, 255).is(SenseReason.SAVING_PARAMETERS_NOT_SUPPORTED)).isTrue();
  }

  @Test
  void changeable_showsWceAndSwpOnly() {
    Result r = sense6(true, 1, 0x3F, 0, 255);
    assertThat(page(r, false, 0x08)[2]).isEqualTo((byte) 0x04);
    assertThat(page(r, false, 0x0A)[4]).isEqualTo((byte) 0x08);
  }

  @Test
  void modeSense10_longLba_returns16ByteDescriptor() {
    Result r = sense10(false, true, 0, 0x08, 512);
    assertThat(r.u16(0)).isEqualTo(r.data().length - 2);
    assertThat(r.u8(4) & 1).isEqualTo(1);
    assertThat(r.u16(6)).isEqualTo(16);
    assertThat(r.u64(8)).isEqualTo(2048);
    assertThat(r.u32(20)).isEqualTo(512);
    assertThat(page(r, true, 0x08)).hasSize(20);
  }

  @Test
  void modeSense10_dbd_hasNoBlockDescriptor() {
    Result r = sense10(true, false, 0, 0x3F, 512);
    assertThat(r.u16(6)).isZero();
    assertThat(r.data()).hasSize(8 + 20 + 12 + 12);
  }

  @Test
  void readOnlyLu_setsWriteProtectBit() {
    ScsiHarness ro = ScsiHarness.create(4096, 256, true);
    Result r = ro.run(cdb(0x1A, 0, 0x3F, 0, 255, 0));
    assertThat(r.u8(2) & 0x80).isEqualTo(0x80);
  }

  @Test
  void modeSelect_clearsWce_andOtherNexusGetsModeParametersChanged() {
    ItNexus other = h.nexus("iqn.2024-01.test:other");
    byte[] caching = page(sense6(true, 0, 0x08, 0, 255), false, 0x08);
    caching[2] &= ~0x04;
    Result r = select6(h.nexus(), caching);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.lu().modePages().writeCacheEnabled()).isFalse();
    assertThat(page(sense6(true, 0, 0x08, 0, 255), false, 0x08)[2] & 0x04).isZero();
    assertThat(h.run(other, cdb(0, 0, 0, 0, 0, 0), null, 0).is(SenseReason.MODE_PARAMETERS_CHANGED)).isTrue();
    assertThat(h.run(cdb(0, 0, 0, 0, 0, 0)).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void modeSelect_sameValues_raisesNoUnitAttention() {
    ItNexus other = h.nexus("iqn.2024-01.test:other");
    byte[] control = page(sense6(true, 0, 0x0A, 0, 255), false, 0x0A);
    assertThat(select6(h.nexus(), control).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.run(other, cdb(0, 0, 0, 0, 0, 0), null, 0).status()).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void modeSelect_changingNonChangeableField_isInvalidFieldInParameterList() {
    byte[] control = page(sense6(true, 0, 0x0A, 0, 255), false, 0x0A);
    control[2] |= 0x04; // D_SENSE is not changeable
    Result r = select6(h.nexus(), control);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    assertThat(r.sense()[15] & 0xff).isEqualTo(0x80); // SKSV, C/D=0 (parameter list)
    assertThat(((r.sense()[16] & 0xff) << 8) | (r.sense()[17] & 0xff)).isEqualTo(4 + 2);
  }

  @Test
  void modeSelect_wrongPageLength_isInvalidFieldInParameterList() {
    byte[] caching = Arrays.copyOf(page(sense6(true, 0, 0x08, 0, 255), false, 0x08), 12);
    caching[1] = 10;
    assertThat(select6(h.nexus(), caching).is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
  }

  @Test
  void modeSelect_truncatedPage_isParameterListLengthError() {
    byte[] caching = Arrays.copyOf(page(sense6(true, 0, 0x08, 0, 255), false, 0x08), 10);
    assertThat(select6(h.nexus(), caching).is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).isTrue();
  }

  @Test
  void modeSelect_spBit_isInvalidFieldInCdb() {
    byte[] list = new byte[4];
    Result r = h.run(h.nexus(), cdb(0x15, 0x11, 0, 0, 4, 0), list, 4);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(r.dataOutRequests()).isZero();
  }

  @Test
  void modeSelect_zeroLength_isGoodWithoutDataOut() {
    Result r = h.run(h.nexus(), cdb(0x15, 0x10, 0, 0, 0, 0), null, 0);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.dataOutRequests()).isZero();
  }

  @Test
  void modeSelect10_blockDescriptorWithOtherBlockSize_isInvalidFieldInParameterList() {
    byte[] list = new byte[8 + 8];
    list[7] = 8;
    list[8 + 6] = 0x10; // 4096
    Result r = h.run(h.nexus(), cdb(0x55, 0x10, 0, 0, 0, 0, 0, 0, list.length, 0), list, list.length);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
  }

  @Test
  void swp_setByModeSelect_writeProtectsTheLu_andClearsAgain() {
    byte[] control = page(sense6(true, 0, 0x0A, 0, 255), false, 0x0A);
    control[4] |= 0x08;
    assertThat(select6(h.nexus(), control).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(page(sense6(true, 0, 0x0A, 0, 255), false, 0x0A)[4] & 0x08).isEqualTo(0x08);
    assertThat(h.lu().readOnly()).isTrue();
    assertThat(sense6(true, 0, 0x3F, 0, 255).u8(2) & 0x80).isEqualTo(0x80);
    control[4] &= ~0x08;
    assertThat(select6(h.nexus(), control).status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.lu().readOnly()).isFalse();
  }

  @Test
  void modeSense_answersWhileVolumeNotReady_modeSelectDoesNot() {
    h.volume().setReady(false);
    assertThat(sense6(true, 0, 0x3F, 0, 255).status()).isEqualTo(ScsiStatus.GOOD);
    Result r = h.run(h.nexus(), cdb(0x15, 0x10, 0, 0, 0, 0), null, 0);
    assertThat(r.senseKey()).isEqualTo(2);
  }
}
