package io.blockraft.target.iscsi.session;

import static io.blockraft.target.iscsi.session.FfpHarness.BLOCK;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's {@link BufferBudget} seen from the wire: write data is solicited (R2T) only when the
 * budget grants it, in arrival order; a read that finds no budget ends with TASK SET FULL; a
 * saturated budget holds the CmdSN window and a NOP-In reopens it (RFC 7143 4.2.2.1, 11.8, 11.19).
 */
class BufferBudgetFlowTest {
  private static final int BUDGET = 8 * BLOCK;
  private final FfpHarness h = new FfpHarness(FfpHarness.settings());

  @AfterEach
  void tearDown() {
    h.close();
  }

  private void openWithBudget() throws Exception {
    h.budget = new BufferBudget(BUDGET);
    SessionParams p = FfpHarness.params();
    p.initialR2T = true; // every byte of write data is solicited
    p.immediateData = false;
    p.firstBurstLength = BUDGET;
    p.maxBurstLength = BUDGET;
    h.open(p, 1);
  }

  private static Pdu only(List<Pdu> out, int opcode) {
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(opcode);
    return out.get(0);
  }


  @Test
  void writesBeyondTheBudget_getTheirR2tOnlyWhenEarlierWritesGiveItBack() throws Exception {
    openWithBudget();
    int a = h.itt();
    int b = h.itt();
    h.sendCommand(a, write10(0, 8), BUDGET, false, true, true, null);
    h.sendCommand(b, write10(8, 2), 2 * BLOCK, false, true, true, null);
    List<Pdu> out = h.drain();
    Pdu r2tA = only(out, Opcode.R2T);
    assertThat(r2tA.itt()).isEqualTo(a);
    assertThat(h.budget.used()).isEqualTo(BUDGET);

    byte[] dataA = pattern(BUDGET, 1);
    h.send(dataOut(a, r2tA.i32(20), 0, 0, dataA, true));
    out = h.drain();
    assertThat(out).extracting(Pdu::opcode)
        .containsExactlyInAnyOrder(Opcode.SCSI_RESPONSE, Opcode.R2T);
    Pdu respA = out.stream().filter(p -> p.opcode() == Opcode.SCSI_RESPONSE).findFirst().get();
    assertThat(respA.itt()).isEqualTo(a);
    assertThat(respA.u8(3)).isEqualTo(ScsiStatus.GOOD);
    Pdu r2tB = out.stream().filter(p -> p.opcode() == Opcode.R2T).findFirst().get();
    assertThat(r2tB.itt()).isEqualTo(b);
    assertThat(r2tB.i32(44)).isEqualTo(2 * BLOCK); // desired data transfer length

    byte[] dataB = pattern(2 * BLOCK, 2);
    h.send(dataOut(b, r2tB.i32(20), 0, 0, dataB, true));
    Pdu respB = only(h.drain(), Opcode.SCSI_RESPONSE);
    assertThat(respB.u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.stored(0, 8)).isEqualTo(dataA);
    assertThat(h.stored(8, 2)).isEqualTo(dataB);
    assertThat(h.budget.used()).isZero();
    releaseAll(out);
    respB.release();
    r2tA.release();
  }

  @Test
  void aReadThatFindsNoBudget_endsWithTaskSetFull_andSucceedsOnceItIsBack() throws Exception {
    openWithBudget();
    int w = h.itt();
    h.sendCommand(w, write10(0, 8), BUDGET, false, true, true, null);
    Pdu r2t = only(h.drain(), Opcode.R2T);

    int r = h.itt();
    h.sendCommand(r, read10(0, 1), BLOCK, true, false, true, null);
    Pdu full = only(h.drain(), Opcode.SCSI_RESPONSE);
    assertThat(full.itt()).isEqualTo(r);
    assertThat(full.u8(3)).isEqualTo(ScsiStatus.TASK_SET_FULL);
    assertThat(full.dataSegmentLength()).isZero(); // a status, no sense

    h.send(dataOut(w, r2t.i32(20), 0, 0, pattern(BUDGET, 3), true));
    releaseAll(h.drain());
    h.sendCommand(h.itt(), read10(0, 1), BLOCK, true, false, true, null);
    Pdu in = only(h.drain(), Opcode.SCSI_DATA_IN);
    assertThat(in.u8(3)).isEqualTo(ScsiStatus.GOOD);
    assertThat(h.budget.used()).isZero();
    in.release();
    full.release();
    r2t.release();
  }

  @Test
  void aSaturatedBudget_holdsTheWindow_andANopInReopensItOnRelief() throws Exception {
    openWithBudget();
    h.budget.force(BUDGET); // another connection's unsolicited data, say
    h.sendCommand(h.itt(), new byte[6], 0, false, false, true, null); // TEST UNIT READY, CmdSN 1
    Pdu held = only(h.drain(), Opcode.SCSI_RESPONSE);
    assertThat(held.i32(28)).as("ExpCmdSN").isEqualTo(2);
    int heldMax = held.i32(32);
    assertThat(heldMax).as("MaxCmdSN not advanced past the login window").isEqualTo(128);

    h.budget.release(BUDGET);
    Pdu nop = only(h.drain(), Opcode.NOP_IN);
    assertThat(nop.itt()).isEqualTo(TargetPdus.RESERVED_TAG);
    assertThat(nop.i32(20)).as("TTT: no reply wanted").isEqualTo(TargetPdus.RESERVED_TAG);
    assertThat(nop.i32(32)).as("MaxCmdSN").isEqualTo(129);
    held.release();
    nop.release();
  }
}
