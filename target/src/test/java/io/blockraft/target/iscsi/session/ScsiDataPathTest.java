package io.blockraft.target.iscsi.session;

import static io.blockraft.target.iscsi.session.FfpHarness.BLOCK;
import static io.blockraft.target.iscsi.session.FfpHarness.bytes;
import static io.blockraft.target.iscsi.session.FfpHarness.dataOut;
import static io.blockraft.target.iscsi.session.FfpHarness.pattern;
import static io.blockraft.target.iscsi.session.FfpHarness.read10;
import static io.blockraft.target.iscsi.session.FfpHarness.releaseAll;
import static io.blockraft.target.iscsi.session.FfpHarness.write10;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.scsi.ScsiStatus;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RFC 7143 11.3-11.8: SCSI Command, Data-In, Data-Out, R2T, SCSI Response with residuals. */
class ScsiDataPathTest {
  private final FfpHarness h = new FfpHarness(FfpHarness.settings());

  @AfterEach
  void tearDown() {
    h.close();
  }



  @Test
  void read_oneBlock_collapsesStatusIntoTheOnlyDataIn() throws Exception {
    h.open(FfpHarness.params(), 1);
    byte[] data = pattern(BLOCK, 3);
    h.fill(10, data);
    int itt = h.itt();
    h.sendCommand(itt, read10(10, 1), BLOCK, true, false, true, null);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    Pdu in = out.get(0);
    assertThat(in.opcode()).isEqualTo(Opcode.SCSI_DATA_IN);
    assertThat(in.flags()).isEqualTo(0x81); // F + S, no residual
    assertThat(in.u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(in.itt()).isEqualTo(itt);
    assertThat(in.i32(24)).isEqualTo(100); // StatSN
    assertThat(in.i32(28)).isEqualTo(2); // ExpCmdSN
    assertThat(in.i32(36)).isZero(); // DataSN
    assertThat(in.i32(40)).isZero(); // BufferOffset
    assertThat(bytes(in)).isEqualTo(data);
    releaseAll(out);
  }

  @Test
  void read_largerThanInitiatorMrdsl_isSplitWithDataSnOffsetsAndBurstEnds() throws Exception {
    h.open(FfpHarness.params(), 1); // initiator MRDSL 2048, MaxBurstLength 4096
    byte[] data = pattern(16 * BLOCK, 5);
    h.fill(0, data);
    h.sendCommand(h.itt(), read10(0, 16), 16 * BLOCK, true, false, true, null);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(4);
    byte[] got = new byte[data.length];
    for (int i = 0; i < 4; i++) {
      Pdu p = out.get(i);
      assertThat(p.opcode()).isEqualTo(Opcode.SCSI_DATA_IN);
      assertThat(p.i32(36)).isEqualTo(i);
      assertThat(p.i32(40)).isEqualTo(i * 2048);
      assertThat(p.dataSegmentLength()).isEqualTo(2048);
      System.arraycopy(bytes(p), 0, got, i * 2048, 2048);
    }
    assertThat(out.get(0).flags()).isEqualTo(0x00);
    assertThat(out.get(1).flags()).isEqualTo(0x80); // end of the first MaxBurstLength sequence
    assertThat(out.get(2).flags()).isEqualTo(0x00);
    assertThat(out.get(3).flags()).isEqualTo(0x81);
    assertThat(got).isEqualTo(data);
    releaseAll(out);
  }

  @Test
  void read_edtlLargerThanTransfer_reportsUnderflow() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.sendCommand(h.itt(), read10(0, 1), 10000, true, false, true, null);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).flags()).isEqualTo(0x81 | TargetPdus.FLAG_UNDERFLOW);
    assertThat(out.get(0).i32(44)).isEqualTo(10000 - BLOCK);
    assertThat(out.get(0).dataSegmentLength()).isEqualTo(BLOCK);
    releaseAll(out);
  }

  @Test
  void read_edtlSmallerThanTransfer_sendsOnlyEdtlAndReportsOverflow() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.sendCommand(h.itt(), read10(0, 1), 200, true, false, true, null);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).dataSegmentLength()).isEqualTo(200);
    assertThat(out.get(0).flags()).isEqualTo(0x81 | TargetPdus.FLAG_OVERFLOW);
    assertThat(out.get(0).i32(44)).isEqualTo(BLOCK - 200);
    releaseAll(out);
  }

  @Test
  void read_edtlZero_sendsNoDataAndReportsOverflowInScsiResponse() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.sendCommand(h.itt(), read10(0, 1), 0, false, false, true, null);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    Pdu r = out.get(0);
    assertThat(r.opcode()).isEqualTo(Opcode.SCSI_RESPONSE);
    assertThat(r.u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(r.flags()).isEqualTo(0x80 | TargetPdus.FLAG_OVERFLOW);
    assertThat(r.i32(44)).isEqualTo(BLOCK);
    releaseAll(out);
  }

  @Test
  void write_immediateDataOnly_isWrittenAndAnsweredGood() throws Exception {
    h.open(FfpHarness.params(), 1);
    byte[] data = pattern(2 * BLOCK, 9);
    h.sendCommand(h.itt(), write10(4, 2), data.length, false, true, true, data);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.SCSI_RESPONSE);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(out.get(0).flags()).isEqualTo(0x80);
    assertThat(h.stored(4, 2)).isEqualTo(data);
    releaseAll(out);
  }

  @Test
  void write_immediatePlusUnsolicitedDataOut_isGathered() throws Exception {
    h.open(FfpHarness.params(), 1);
    byte[] data = pattern(4 * BLOCK, 11);
    int itt = h.itt();
    h.sendCommand(itt, write10(0, 4), data.length, false, true, false, Arrays.copyOf(data, BLOCK));
    assertThat(h.drain()).isEmpty();
    h.send(dataOut(itt, -1, 0, BLOCK, Arrays.copyOfRange(data, BLOCK, 3 * BLOCK), false));
    h.send(dataOut(itt, -1, 1, 3 * BLOCK, Arrays.copyOfRange(data, 3 * BLOCK, 4 * BLOCK), true));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.stored(0, 4)).isEqualTo(data);
    releaseAll(out);
  }

  @Test
  void write_beyondFirstBurst_solicitsTheRestWithR2tsHonouringMaxOutstandingR2t() throws Exception {
    h.open(FfpHarness.params(), 1); // FBL 4096, MBL 4096, MaxOutstandingR2T 2
    byte[] data = pattern(32 * BLOCK, 13); // 16384 bytes
    int itt = h.itt();
    h.sendCommand(itt, write10(100, 32), data.length, false, true, false, Arrays.copyOf(data, 1024));
    assertThat(h.drain()).isEmpty();
    h.send(dataOut(itt, -1, 0, 1024, Arrays.copyOfRange(data, 1024, 4096), true));
    List<Pdu> r2ts = h.drain();
    assertThat(r2ts).hasSize(2);
    for (int i = 0; i < 2; i++) {
      Pdu r = r2ts.get(i);
      assertThat(r.opcode()).isEqualTo(Opcode.R2T);
      assertThat(r.i32(36)).isEqualTo(i); // R2TSN
      assertThat(r.i32(40)).isEqualTo(4096 + i * 4096);
      assertThat(r.i32(44)).isEqualTo(4096);
      assertThat(r.i32(20)).isNotEqualTo(-1);
    }
    // answer the second R2T first, each in two PDUs: that frees a slot for the third R2T
    answer(itt, r2ts.get(1), data);
    List<Pdu> third = h.drain();
    assertThat(third).hasSize(1);
    Pdu last = third.get(0);
    assertThat(last.opcode()).isEqualTo(Opcode.R2T);
    assertThat(last.i32(36)).isEqualTo(2);
    assertThat(last.i32(40)).isEqualTo(12288);
    assertThat(last.i32(44)).isEqualTo(4096);
    answer(itt, r2ts.get(0), data);
    assertThat(h.drain()).isEmpty();
    answer(itt, last, data);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.SCSI_RESPONSE);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.stored(100, 32)).isEqualTo(data);
    releaseAll(r2ts);
    releaseAll(third);
    releaseAll(out);
  }

  private void answer(int itt, Pdu r2t, byte[] data) {
    int ttt = r2t.i32(20);
    int off = r2t.i32(40);
    int len = r2t.i32(44);
    int half = len / 2;
    h.send(dataOut(itt, ttt, 0, off, Arrays.copyOfRange(data, off, off + half), false));
    h.send(dataOut(itt, ttt, 1, off + half, Arrays.copyOfRange(data, off + half, off + len), true));
  }

  @Test
  void write_initialR2tYes_solicitsFromOffsetZero() throws Exception {
    SessionParams p = FfpHarness.params();
    p.initialR2T = true;
    p.immediateData = false;
    h.open(p, 1);
    byte[] data = pattern(2 * BLOCK, 17);
    int itt = h.itt();
    h.sendCommand(itt, write10(7, 2), data.length, false, true, true, null);
    List<Pdu> r2t = h.drain();
    assertThat(r2t).hasSize(1);
    assertThat(r2t.get(0).i32(40)).isZero();
    assertThat(r2t.get(0).i32(44)).isEqualTo(2 * BLOCK);
    h.send(dataOut(itt, r2t.get(0).i32(20), 0, 0, data, true));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.stored(7, 2)).isEqualTo(data);
    releaseAll(r2t);
    releaseAll(out);
  }

  @Test
  void write_wrongDataSn_isRejectedAndTheTaskFails() throws Exception {
    h.open(FfpHarness.params(), 1);
    int itt = h.itt();
    h.sendCommand(itt, write10(0, 2), 2 * BLOCK, false, true, false, null);
    h.send(dataOut(itt, -1, 0, 0, pattern(BLOCK, 1), false));
    h.send(dataOut(itt, -1, 0, BLOCK, pattern(BLOCK, 2), true)); // DataSN should be 1
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(2);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.REJECT);
    assertThat(out.get(0).u8(2)).isEqualTo(TargetPdus.REJECT_PROTOCOL_ERROR);
    assertThat(bytes(out.get(0))).hasSize(48);
    assertThat(out.get(1).opcode()).isEqualTo(Opcode.SCSI_RESPONSE);
    assertThat(out.get(1).u8(3)).isEqualTo(ScsiStatus.CHECK_CONDITION);
    releaseAll(out);
  }

  @Test
  void write_edtlLargerThanTransfer_waitsForUnsolicitedDataThenReportsUnderflow() throws Exception {
    h.open(FfpHarness.params(), 1);
    int itt = h.itt();
    h.sendCommand(itt, write10(0, 1), 2 * BLOCK, false, true, false, pattern(BLOCK, 1));
    assertThat(h.drain()).isEmpty(); // the SCSI layer is done but unsolicited data is still due
    h.send(dataOut(itt, -1, 0, BLOCK, pattern(BLOCK, 2), true));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(out.get(0).flags()).isEqualTo(0x80 | TargetPdus.FLAG_UNDERFLOW);
    assertThat(out.get(0).i32(44)).isEqualTo(BLOCK);
    releaseAll(out);
  }

  @Test
  void write_edtlSmallerThanTransfer_writesEdtlAndReportsOverflow() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.fill(0, new byte[2 * BLOCK]);
    byte[] data = pattern(BLOCK, 21);
    h.sendCommand(h.itt(), write10(0, 2), BLOCK, false, true, true, data);
    List<Pdu> out = h.drain();
    assertThat(out.get(0).flags()).isEqualTo(0x80 | TargetPdus.FLAG_OVERFLOW);
    assertThat(out.get(0).i32(44)).isEqualTo(BLOCK);
    assertThat(Arrays.copyOf(h.stored(0, 2), BLOCK)).isEqualTo(data);
    assertThat(Arrays.copyOfRange(h.stored(0, 2), BLOCK, 2 * BLOCK)).isEqualTo(new byte[BLOCK]);
    releaseAll(out);
  }

  @Test
  void command_edtlAboveLimit_isCheckConditionInvalidFieldInCdb() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.sendCommand(h.itt(), read10(0, 1), 64 << 20, true, false, true, null);
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.CHECK_CONDITION);
    byte[] sense = bytes(out.get(0));
    assertThat(sense[2 + 12]).isEqualTo((byte) 0x24);
    releaseAll(out);
  }

  @Test
  void immediateData_whenNotNegotiated_isRejectedAndConsumesItsCmdSn() throws Exception {
    SessionParams p = FfpHarness.params();
    p.immediateData = false;
    h.open(p, 1);
    h.sendCommand(h.itt(), write10(0, 1), BLOCK, false, true, true, pattern(BLOCK, 1));
    h.sendCommand(h.itt(), new byte[6], 0, false, false, true, null); // TEST UNIT READY
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.REJECT, Opcode.SCSI_RESPONSE);
    releaseAll(out);
  }
}
