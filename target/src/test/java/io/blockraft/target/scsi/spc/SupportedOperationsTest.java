package io.blockraft.target.scsi.spc;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupportedOperationsTest {
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);

  private Result rsoc(boolean rctd, int options, int opcode, int sa, int alloc) {
    return h.run(cdb(0xA3, 0x0C, (rctd ? 0x80 : 0) | options, opcode, sa >>> 8, sa & 0xff,
        alloc >>> 24, alloc >>> 16, alloc >>> 8, alloc, 0, 0));
  }

  @Test
  void all_listsEveryTableRowWithServactvConsistent() {
    Result r = rsoc(false, 0, 0, 0, 65535);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    List<CommandSpec> specs = h.target().dispatcher().table().all();
    assertThat(r.u32(0)).isEqualTo(8L * specs.size());
    for (int i = 0; i < specs.size(); i++) {
      int off = 4 + 8 * i;
      CommandSpec s = specs.get(i);
      assertThat(r.u8(off)).isEqualTo(s.opcode());
      boolean servactv = (r.u8(off + 5) & 1) != 0;
      assertThat(servactv).isEqualTo(s.serviceAction() >= 0);
      if (!servactv) {
        assertThat(r.u16(off + 2)).isZero();
      }
      assertThat(r.u8(off + 5) & 2).isZero(); // no CTDP without RCTD
      assertThat(r.u16(off + 6)).isEqualTo(s.cdbLength());
    }
  }

  @Test
  void all_withRctd_everyDescriptorHasTimeouts() {
    Result r = rsoc(true, 0, 0, 0, 65535);
    int n = (int) (r.u32(0) / 20);
    assertThat(r.u32(0)).isEqualTo(20L * n);
    for (int i = 0; i < n; i++) {
      int off = 4 + 20 * i;
      assertThat(r.u8(off + 5) & 2).isEqualTo(2);
      assertThat(r.u16(off + 8)).isEqualTo(0x0A);
    }
  }

  @Test
  void oneCommand_forEveryRow_usesTheRightReportingOption() {
    for (CommandSpec s : h.target().dispatcher().table().all()) {
      boolean sa = s.serviceAction() >= 0;
      int sav = Math.max(0, s.serviceAction());
      Result opOnly = rsoc(false, 1, s.opcode(), sav, 65535);
      Result withSa = rsoc(false, 2, s.opcode(), sav, 65535);
      Result good = sa ? withSa : opOnly;
      Result bad = sa ? opOnly : withSa;
      assertThat(bad.is(SenseReason.INVALID_FIELD_IN_CDB)).as(s.name()).isTrue();
      assertThat(good.status()).as(s.name()).isEqualTo(ScsiStatus.GOOD);
      assertThat(good.u8(1) & 7).isEqualTo(3);
      assertThat(good.u16(2)).isEqualTo(s.cdbLength());
      assertThat(good.u8(4)).isEqualTo(s.opcode());
    }
  }

  @Test
  void oneCommand_unsupportedOpcode_reportsNotSupported() {
    Result r = rsoc(false, 1, 0xFF, 0, 65535);
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.u8(1) & 7).isEqualTo(1);
  }

  @Test
  void oneCommand_inquiryUsageData() {
    Result r = rsoc(true, 1, 0x12, 0, 65535);
    assertThat(r.data()).startsWith(0, 0x83, 0, 6, 0x12, 0x01, 0xff, 0xff, 0xff, 0x07);
    assertThat(r.u16(10)).isEqualTo(0x0A);
  }

  @Test
  void badReportingOptions_isInvalidFieldInCdb() {
    assertThat(rsoc(false, 5, 0, 0, 65535).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void smallAllocationLength_truncates() {
    Result r = rsoc(false, 0, 0, 0, 1024);
    assertThat(r.data().length).isLessThanOrEqualTo(1024);
  }

  @Test
  void reportSupportedTmfs_listsAbortClearAndResets() {
    Result r = h.run(cdb(0xA3, 0x0D, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0));
    assertThat(r.status()).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.data()).containsExactly(0xDA, 0, 0, 0);
    Result ext = h.run(cdb(0xA3, 0x0D, 0x80, 0, 0, 0, 0, 0, 0, 16, 0, 0));
    assertThat(ext.data()).hasSize(16);
    assertThat(ext.u8(3)).isEqualTo(0x0C);
  }

  @Test
  void unknownMaintenanceInServiceAction_isInvalidFieldInCdb() {
    Result r = h.run(cdb(0xA3, 0x1F, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0));
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }
}
