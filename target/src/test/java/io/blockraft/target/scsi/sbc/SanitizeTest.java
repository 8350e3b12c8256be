package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

class SanitizeTest {
  static final int BS = 512;
  static final long BLOCKS = 4096;
  final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  private static byte[] overwriteParams(int count, int patLen, int fill, int total) {
    byte[] p = filled(total, fill);
    p[0] = (byte) count;
    p[1] = 0;
    p[2] = (byte) (patLen >>> 8);
    p[3] = (byte) patLen;
    return p;
  }

  @Test
  void blockErase_deallocatesTheWholeLun() {
    h.run(h.nexus(), cdb10(0x2a, 0, 0, 4), filled(4 * BS, 'a'), 4 * BS);
    h.run(h.nexus(), cdb10(0x2a, 0, BLOCKS - 4, 4), filled(4 * BS, 'a'), 4 * BS);
    assertThat(h.run(h.nexus(), sanitize(0x02, 0), null, 0).good()).isTrue();
    assertThat(h.volume().isMapped(0)).isFalse();
    assertThat(h.volume().isMapped(BLOCKS - 1)).isFalse();
    assertThat(Sanitize.inProgress(h.lu())).isFalse();
  }

  @Test
  void overwrite_fillsEveryBlockWithThePattern() {
    byte[] p = overwriteParams(1, 4, 0, 8);
    p[4] = 1;
    p[5] = 2;
    p[6] = 3;
    p[7] = 4;
    assertThat(h.run(h.nexus(), sanitize(0x01, 8), p, 8).good()).isTrue();
    byte[] last = h.run(cdb10(0x28, 0, BLOCKS - 1, 1)).data();
    for (int i = 0; i < BS; i++) {
      assertThat(last[i]).isEqualTo((byte) (i % 4 + 1));
    }
  }

  @Test
  void overwrite_invalidParameters_areRejected() {
    byte[] ok = overwriteParams(1, BS, 0xaa, BS + 4);
    for (int len = 0; len < 5; len++) {
      assertThat(h.run(h.nexus(), sanitize(0x01, len), ok, ok.length).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    }
    byte[] big = new byte[BS + 8];
    assertThat(h.run(h.nexus(), sanitize(0x01, BS + 5), big, big.length).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    byte[] count0 = overwriteParams(0, BS, 0xaa, BS + 4);
    assertThat(h.run(h.nexus(), sanitize(0x01, BS + 4), count0, count0.length).senseKey()).isEqualTo(5);
    byte[] pat0 = overwriteParams(1, 0, 0xaa, BS + 4);
    assertThat(h.run(h.nexus(), sanitize(0x01, BS + 4), pat0, pat0.length).senseKey()).isEqualTo(5);
    byte[] patBig = overwriteParams(1, BS + 4, 0xaa, BS + 4);
    assertThat(h.run(h.nexus(), sanitize(0x01, BS + 4), patBig, patBig.length).senseKey()).isEqualTo(5);
  }

  @Test
  void blockEraseAndExitFailureMode_withParameterList_areInvalidFieldInCdb() {
    byte[] p = new byte[8];
    assertThat(h.run(h.nexus(), sanitize(0x02, 8), p, 8).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(h.run(h.nexus(), sanitize(0x1f, 8), p, 8).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(h.run(h.nexus(), sanitize(0x1f, 0), null, 0).good()).isTrue();
  }

  @Test
  void reservedBitsAndBytes_areInvalidFieldInCdb() {
    assertThat(h.run(h.nexus(), sanitize(0x42, 0), null, 0).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    for (int i = 2; i < 7; i++) {
      byte[] cdb = sanitize(0x02, 0);
      cdb[i] = (byte) i;
      assertThat(h.run(h.nexus(), cdb, null, 0).is(SenseReason.INVALID_FIELD_IN_CDB)).as("byte %d", i).isTrue();
    }
  }

  @Test
  void unsupportedServiceActions_areInvalidFieldInCdb() {
    for (int sa = 0; sa <= 0x1f; sa++) {
      if (sa == 1 || sa == 2 || sa == 0x1f) {
        continue;
      }
      Result r = h.run(h.nexus(), sanitize(sa, 0), null, 0);
      assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).as("sa %d", sa).isTrue();
    }
  }

  @Test
  void sanitize_onReadOnlyLun_isWriteProtected() {
    ScsiHarness ro = ScsiHarness.create(BS, BLOCKS, true);
    byte[] p = overwriteParams(1, BS, 0xaa, BS + 4);
    assertThat(ro.run(ro.nexus(), sanitize(0x01, BS + 4), p, p.length).is(SenseReason.WRITE_PROTECTED)).isTrue();
    assertThat(ro.run(ro.nexus(), sanitize(0x02, 0), null, 0).is(SenseReason.WRITE_PROTECTED)).isTrue();
  }
}
