package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

/** VERIFY, COMPARE AND WRITE and ORWRITE. */
class CompareCommandsTest {
  static final int BS = 512;
  static final long BLOCKS = 1024;
  final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  private Result send(byte[] cdb, byte[] data) {
    return h.run(h.nexus(), cdb, data, data.length);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void verify10_bytchk1_matchingData_isGood() {
    byte[] d = filled(4 * BS, 0x3c);
    send(cdb10(0x2a, 0, 8, 4), d);
    Result r = send(cdb10(0x2f, 0x02, 8, 4), d);
    assertThat(r.good()).isTrue();
    assertThat(r.dataOutRequests()).isEqualTo(1);
  }

  @Test
  void verify12_bytchk1_mismatch_isMiscompareWithOffsetInInformation() {
    byte[] d = filled(4 * BS, 0x3c);
    send(cdb10(0x2a, 0, 8, 4), d);
    d[3 * BS + 5] ^= 'X';
    Result r = send(cdb12(0xaf, 0x02, 8, 4), d);
    assertThat(r.is(SenseReason.MISCOMPARE_DURING_VERIFY)).isTrue();
    assertThat(information(r.sense())).isEqualTo(3 * BS + 5);
  }

  @Test
  void verify16_bytchk0_ignoresDataAndTransfersNothing() {
    Result r = h.run(cdb16(0x8f, 0, BLOCKS - 4, 4));
    assertThat(r.good()).isTrue();
    assertThat(r.dataOutRequests()).isZero();
  }

  @Test
  void verify16_bytchk3_comparesOneBlockWithEveryBlock() {
    byte[] blk = filled(BS, 0x77);
    for (int i = 0; i < 3; i++) {
      send(cdb10(0x2a, 0, 20 + i, 1), blk);
    }
    assertThat(send(cdb16(0x8f, 0x06, 20, 3), blk).good()).isTrue();
    Result r = send(cdb16(0x8f, 0x06, 20, 4), blk); // block 23 is unwritten (zeros)
    assertThat(r.is(SenseReason.MISCOMPARE_DURING_VERIFY)).isTrue();
    assertThat(information(r.sense())).isEqualTo(3L * BS);
  }

  @Test
  void verify_invalidFieldsAndRange() {
    assertThat(send(cdb10(0x2f, 0x22, 0, 1), filled(BS, 0)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(send(cdb10(0x2f, 0x04, 0, 1), filled(BS, 0)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(send(cdb10(0x2f, 0x02, BLOCKS - 1, 2), filled(2 * BS, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(cdb10(0x2f, 0x02, BLOCKS + 1, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(send(cdb10(0x2f, 0x12, 0, 1), filled(BS, 0)).good()).isTrue(); // DPO
  }

  @Test
  void compareAndWrite_matching_writesTheNewData() {
    byte[] a = filled(2 * BS, 'A');
    send(cdb16(0x8a, 0, 5, 2), a);
    Result r = send(compareAndWrite(5, 2), concat(a, filled(2 * BS, 'B')));
    assertThat(r.good()).isTrue();
    assertThat(h.run(cdb16(0x88, 0, 5, 2)).data()).isEqualTo(filled(2 * BS, 'B'));
  }

  @Test
  void compareAndWrite_miscompare_leavesDataAndReportsFirstDifferingByte() {
    byte[] a = filled(2 * BS, 'A');
    send(cdb16(0x8a, 0, BLOCKS - 2, 2), a);
    byte[] verify = a.clone();
    verify[2 * BS - 27] = 'C';
    Result r = send(compareAndWrite(BLOCKS - 2, 2), concat(verify, filled(2 * BS, 'B')));
    assertThat(r.is(SenseReason.MISCOMPARE_DURING_VERIFY)).isTrue();
    assertThat(information(r.sense())).isEqualTo(2 * BS - 27);
    assertThat(h.run(cdb16(0x88, 0, BLOCKS - 2, 2)).data()).isEqualTo(a);
  }

  @Test
  void compareAndWrite_dataOutNotTwiceTheBlocks_isInvalidFieldInCdb() {
    byte[] four = filled(4 * BS, 0);
    Result tooMuch = send(compareAndWrite(0, 1), four);
    Result tooLittle = send(compareAndWrite(0, 3), four);
    assertThat(tooMuch.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(tooLittle.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(tooMuch.dataOutRequests() + tooLittle.dataOutRequests()).isZero();
  }

  @Test
  void compareAndWrite_zeroBlocks_isGood_andRangeIsChecked() {
    assertThat(h.run(h.nexus(), compareAndWrite(0, 0), null, 0).good()).isTrue();
    assertThat(send(compareAndWrite(BLOCKS, 1), filled(2 * BS, 0)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    byte[] wp = compareAndWrite(0, 1);
    wp[1] = (byte) 0x40;
    assertThat(send(wp, filled(2 * BS, 0)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void compareAndWrite_onReadOnlyLun_isWriteProtected() {
    ScsiHarness ro = ScsiHarness.create(BS, BLOCKS, true);
    byte[] d = filled(2 * BS, 0);
    assertThat(ro.run(ro.nexus(), compareAndWrite(0, 1), d, d.length).is(SenseReason.WRITE_PROTECTED)).isTrue();
  }

  @Test
  void orWrite_orsTheDataIntoTheMedium() {
    send(cdb16(0x8a, 0, 3, 2), filled(2 * BS, 0xa5));
    assertThat(send(cdb16(0x8b, 0, 3, 2), filled(2 * BS, 0x5a)).good()).isTrue();
    assertThat(h.run(cdb16(0x88, 0, 3, 2)).data()).isEqualTo(filled(2 * BS, 0xff));
    assertThat(send(cdb16(0x8b, 0, 100, 1), filled(BS, 0x0f)).good()).isTrue(); // unwritten reads zero
    assertThat(h.run(cdb16(0x88, 0, 100, 1)).data()).isEqualTo(filled(BS, 0x0f));
  }

  @Test
  void orWrite_zeroBlocksBeyondEndAndProtect() {
    assertThat(h.run(h.nexus(), cdb16(0x8b, 0, 0, 0), null, 0).good()).isTrue();
    assertThat(h.run(h.nexus(), cdb16(0x8b, 0, BLOCKS + 1, 0), null, 0).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(send(cdb16(0x8b, 0x20, 0, 1), filled(BS, 1)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }
}
