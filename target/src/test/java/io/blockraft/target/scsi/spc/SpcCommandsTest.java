package io.blockraft.target.scsi.spc;

import static io.blockraft.target.scsi.ScsiHarness.cdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.OpcodeTable;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

class SpcCommandsTest {
  private final OpcodeTable table = new OpcodeTable();

  {
    SpcCommands.register(table);
  }

  private CommandSpec spec(int op, int sa) {
    return table.lookup(op, sa);
  }

  @Test
  void uaExemptCommands_areInquiryReportLunsRequestSense() {
    for (CommandSpec s : table.all()) {
      boolean exempt = s.opcode() == 0x12 || s.opcode() == 0xA0 || s.opcode() == 0x03;
      assertThat(s.reportsUnitAttention()).as(s.name()).isEqualTo(!exempt);
    }
  }

  @Test
  void conflictClasses_followSpc4Table66() {
    assertThat(spec(0x12, -1).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0xA0, -1).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0x03, -1).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0x00, -1).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0xA3, 0x0A).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0xA3, 0x0C).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0xA3, 0x0D).conflict()).isEqualTo(ConflictClass.NEVER);
    assertThat(spec(0x1A, -1).conflict()).isEqualTo(ConflictClass.ALWAYS);
    assertThat(spec(0x5A, -1).conflict()).isEqualTo(ConflictClass.ALWAYS);
    assertThat(spec(0x15, -1).conflict()).isEqualTo(ConflictClass.ALWAYS);
    assertThat(spec(0x55, -1).conflict()).isEqualTo(ConflictClass.ALWAYS);
    assertThat(spec(0x1B, -1).conflict()).isEqualTo(ConflictClass.ALWAYS);
    assertThat(spec(0x1E, -1).conflict()).isEqualTo(ConflictClass.ALWAYS);
    assertThat(spec(0x37, -1).conflict()).isEqualTo(ConflictClass.READ);
    assertThat(spec(0xB7, -1).conflict()).isEqualTo(ConflictClass.READ);
  }

  @Test
  void everyUsageMaskStartsWithItsOpcode() {
    for (CommandSpec s : table.all()) {
      assertThat(s.usageMask()[0] & 0xff).as(s.name()).isEqualTo(s.opcode());
      assertThat(s.usageMask()).hasSize(s.cdbLength());
    }
  }

  @Test
  void reportLunsWellKnownLu_answersInquiryTurAndRequestSense() {
    ScsiHarness h = ScsiHarness.create(512, 64, false);
    long w = Lun.WLUN_REPORT_LUNS;
    Result inq = h.runLun(h.nexus(), w, cdb(0x12, 0, 0, 0, 96, 0), null, 96);
    assertThat(inq.u8(0)).isEqualTo(0x1E);
    assertThat(h.runLun(h.nexus(), w, cdb(0, 0, 0, 0, 0, 0), null, 0).status()).isEqualTo(ScsiStatus.GOOD);
    Result rs = h.runLun(h.nexus(), w, cdb(0x03, 0, 0, 0, 18, 0), null, 18);
    assertThat(rs.u8(2) & 0x0f).isZero();
    assertThat(h.runLun(h.nexus(), Lun.encode(4), cdb(0, 0, 0, 0, 0, 0), null, 0)
        .is(SenseReason.LOGICAL_UNIT_NOT_SUPPORTED)).isTrue();
  }
}
