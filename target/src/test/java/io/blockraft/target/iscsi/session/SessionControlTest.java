package io.blockraft.target.iscsi.session;

import static io.blockraft.target.iscsi.session.FfpHarness.BLOCK;
import static io.blockraft.target.iscsi.session.FfpHarness.bytes;
import static io.blockraft.target.iscsi.session.FfpHarness.command;
import static io.blockraft.target.iscsi.session.FfpHarness.pattern;
import static io.blockraft.target.iscsi.session.FfpHarness.releaseAll;
import static io.blockraft.target.iscsi.session.FfpHarness.write10;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.target.iscsi.login.LoginException;
import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 7143 4.2.2 command numbering, 11.10/11.11 Text, 11.14/11.15 Logout, 11.18/11.19 NOP,
 * 11.5/11.6 task management, 6.3.5 session reinstatement.
 */
class SessionControlTest {
  private static final byte[] TUR = new byte[6];
  private static final byte[] HOLD = {(byte) FfpHarness.HOLD, 0, 0, 0, 0, 0};
  private FfpHarness h = new FfpHarness(FfpHarness.settings());

  @AfterEach
  void tearDown() {
    h.close();
  }

  static Pdu nopOut(int itt, int ttt, int cmdSn, boolean immediate, byte[] data) {
    Pdu p = Pdu.create(Opcode.NOP_OUT, data == null ? null : Unpooled.wrappedBuffer(data));
    p.setImmediate(immediate).setFlags(0x80).setItt(itt).put32(20, ttt).put32(24, cmdSn);
    return p;
  }

  static Pdu tmf(int function, long lun, int itt, int refItt, int cmdSn, int refCmdSn) {
    Pdu p = Pdu.create(Opcode.TASK_MGMT_REQUEST, null);
    p.setImmediate(true).setFlags(0x80 | function).setLun(lun).setItt(itt).put32(20, refItt);
    p.put32(24, cmdSn).put32(32, refCmdSn);
    return p;
  }

  static Pdu logout(int reason, int itt, int cmdSn) {
    Pdu p = Pdu.create(Opcode.LOGOUT_REQUEST, null);
    p.setFlags(0x80 | reason).setItt(itt).put32(24, cmdSn);
    return p;
  }

  static Pdu text(int itt, int ttt, int cmdSn, boolean cont, String body) {
    Pdu p = Pdu.create(Opcode.TEXT_REQUEST,
        body == null ? null : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    p.setFlags(cont ? 0x40 : 0x80).setItt(itt).put32(20, ttt).put32(24, cmdSn);
    return p;
  }

  // ------------------------------------------------------------------ CmdSN

  @Test
  void commands_arrivingOutOfCmdSnOrder_areExecutedInOrder() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(command(11, 2, TUR, 0, false, false, true, null));
    assertThat(h.drain()).isEmpty();
    h.send(command(10, 1, TUR, 0, false, false, true, null));
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::itt).containsExactly(10, 11);
    assertThat(out).extracting(p -> p.i32(24)).containsExactly(100, 101); // StatSN
    assertThat(out.get(1).i32(28)).isEqualTo(3); // ExpCmdSN
    releaseAll(out);
  }

  @Test
  void command_aboveMaxCmdSn_isSilentlyIgnored_andTheNextInWindowWorks() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(command(1, 1, TUR, 0, false, false, true, null));
    List<Pdu> first = h.drain();
    int max = first.get(0).i32(32);
    assertThat(max - first.get(0).i32(28)).isEqualTo(127); // 128 commands may be in flight
    h.send(command(2, max + 1, TUR, 0, false, false, true, null));
    assertThat(h.drain()).isEmpty();
    h.send(command(3, 2, TUR, 0, false, false, true, null));
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::itt).containsExactly(3);
    releaseAll(first);
    releaseAll(out);
  }

  @Test
  void command_belowExpCmdSn_isSilentlyIgnored() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(command(1, 1, TUR, 0, false, false, true, null));
    h.send(command(2, 1, TUR, 0, false, false, true, null));
    h.send(command(3, 0, TUR, 0, false, false, true, null));
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::itt).containsExactly(1);
    releaseAll(out);
  }

  @Test
  void manyCommands_executeConcurrently_notOneAtATime() throws Exception {
    h.open(FfpHarness.params(), 1);
    for (int i = 0; i < 128; i++) {
      h.send(command(1000 + i, 1 + i, HOLD, 0, false, false, true, null));
    }
    assertThat(h.held).hasSize(128);
    assertThat(h.drain()).isEmpty();
    for (CompletableFuture<ScsiResponse> f : h.held) {
      f.complete(ScsiResponse.good());
    }
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(128);
    releaseAll(out);
  }

  // ------------------------------------------------------------------ NOP

  @Test
  void nopOut_isEchoedWithItsPingData() throws Exception {
    h.open(FfpHarness.params(), 1);
    byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
    h.send(nopOut(77, -1, 1, true, ping));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.NOP_IN);
    assertThat(out.get(0).itt()).isEqualTo(77);
    assertThat(out.get(0).i32(20)).isEqualTo(-1);
    assertThat(bytes(out.get(0))).isEqualTo(ping);
    releaseAll(out);
  }

  @Test
  void nopOut_withReservedItt_getsNoAnswer() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(nopOut(-1, -1, 1, true, null));
    assertThat(h.drain()).isEmpty();
  }

  @Test
  void idleConnection_isPinged_andDroppedWithoutAnswer() throws Exception {
    h = new FfpHarness(FfpHarness.settings().withNop(Duration.ofMillis(20), Duration.ofMillis(40)));
    h.open(FfpHarness.params(), 1);
    EmbeddedChannel ch = h.ch;
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
      ch.runPendingTasks();
      Object o = ch.readOutbound();
      if (o == null) {
        return false;
      }
      Pdu p = (Pdu) o;
      boolean ping = p.opcode() == Opcode.NOP_IN && p.itt() == -1 && p.i32(20) != -1;
      p.release();
      return ping;
    });
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
      ch.runPendingTasks();
      return !ch.isActive();
    });
    assertThat(h.registry.sessions()).isEmpty();
  }

  @Test
  void pingedConnection_thatAnswers_staysOpen() throws Exception {
    h = new FfpHarness(FfpHarness.settings().withNop(Duration.ofMillis(20), Duration.ofMillis(200)));
    h.open(FfpHarness.params(), 1);
    EmbeddedChannel ch = h.ch;
    for (int round = 0; round < 3; round++) {
      int[] ttt = {0};
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        if (o == null) {
          return false;
        }
        Pdu p = (Pdu) o;
        ttt[0] = p.i32(20);
        p.release();
        return true;
      });
      h.send(nopOut(-1, ttt[0], 1, true, null));
    }
    assertThat(ch.isActive()).isTrue();
  }

  // ------------------------------------------------------------------ Logout

  @Test
  void logout_closeSession_answersAndClosesAndEndsTheSession() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(logout(0, 5, 1));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.LOGOUT_RESPONSE);
    assertThat(out.get(0).u8(2)).isZero();
    assertThat(out.get(0).itt()).isEqualTo(5);
    assertThat(h.ch.isActive()).isFalse();
    assertThat(h.registry.sessions()).isEmpty();
    releaseAll(out);
  }

  @Test
  void logout_removeForRecovery_isNotSupportedAtErl0() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(logout(2, 5, 1));
    List<Pdu> out = h.drain();
    assertThat(out.get(0).u8(2)).isEqualTo(2);
    assertThat(h.ch.isActive()).isTrue();
    releaseAll(out);
  }

  // ------------------------------------------------------------------ Task management

  @Test
  void abortTask_ofARunningTask_answersAfterItStopped_andTheTaskGetsNoResponse() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(command(40, 1, HOLD, 0, false, false, true, null));
    h.send(tmf(1, Lun.encode(0), 41, 40, 2, 1));
    assertThat(h.drain()).isEmpty(); // the held task has not stopped yet
    h.held.poll().complete(ScsiResponse.good());
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.TASK_MGMT_RESPONSE);
    assertThat(out.get(0).itt()).isEqualTo(41);
    assertThat(out.get(0).u8(2)).isEqualTo(0);
    releaseAll(out);
  }

  /** The issuing session's side of PREEMPT AND ABORT of its own key (SPC-4 5.12.11.2.6). */
  @Test
  void abortTasksExcept_silentlyAbortsTheOthers_andLeavesTheKeptTaskRunning() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(command(42, 1, HOLD, 0, false, false, true, null));
    h.send(command(43, 2, HOLD, 0, false, false, true, null));
    CompletableFuture<Void> done = h.conn.abortTasksExcept(Lun.encode(0), 43);
    h.ch.runPendingTasks();
    assertThat(done).as("waits for the aborted task to stop").isNotDone();
    h.held.poll().complete(ScsiResponse.good()); // task 42 stops
    h.ch.runPendingTasks();
    assertThat(done).isCompleted();
    assertThat(h.drain()).as("no response for the aborted task").isEmpty();
    h.held.poll().complete(ScsiResponse.good()); // the kept task completes normally
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::itt).containsExactly(43);
    assertThat(out.get(0).u8(3)).isEqualTo(ScsiStatus.GOOD);
    releaseAll(out);
  }

  @Test
  void abortTask_ofACompletedTask_isTaskDoesNotExist() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(command(40, 1, TUR, 0, false, false, true, null));
    releaseAll(h.drain());
    h.send(tmf(1, Lun.encode(0), 41, 40, 2, 1));
    List<Pdu> out = h.drain();
    assertThat(out.get(0).u8(2)).isEqualTo(1);
    releaseAll(out);
  }

  @Test
  void abortTask_ofAWriteWaitingForData_endsItWithoutResponse() throws Exception {
    SessionParams p = FfpHarness.params();
    p.initialR2T = true;
    p.immediateData = false;
    h.open(p, 1);
    h.send(command(40, 1, write10(0, 2), 2 * BLOCK, false, true, true, null));
    List<Pdu> r2t = h.drain();
    assertThat(r2t).extracting(Pdu::opcode).containsExactly(Opcode.R2T);
    h.send(tmf(1, Lun.encode(0), 41, 40, 2, 1));
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.TASK_MGMT_RESPONSE);
    assertThat(out.get(0).u8(2)).isZero();
    h.send(FfpHarness.dataOut(40, r2t.get(0).i32(20), 0, 0, pattern(2 * BLOCK, 1), true));
    assertThat(h.drain()).isEmpty(); // data for the aborted task is dropped
    releaseAll(r2t);
    releaseAll(out);
  }

  /** The held task addresses LUN 0 as peripheral (0x0000...) or flat (0x4000...), SAM-5 4.7. */
  @ParameterizedTest
  @ValueSource(longs = {0L, 0x4000L << 48})
  void lunReset_abortsOtherSessionsTasksWithTaskAborted(long heldLunField) throws Exception {
    h.open(FfpHarness.params(), 1);
    EmbeddedChannel first = h.ch;
    Pdu hold = command(50, 1, HOLD, 0, false, false, true, null);
    hold.setLun(heldLunField);
    h.send(hold);
    h.open(FfpHarness.params(), 2);
    h.send(tmf(5, Lun.encode(0), 51, -1, 1, 0));
    h.held.poll().complete(ScsiResponse.good());
    first.runPendingTasks();
    Pdu aborted = first.readOutbound();
    assertThat(aborted.opcode()).isEqualTo(Opcode.SCSI_RESPONSE);
    assertThat(aborted.u8(3)).isEqualTo(ScsiStatus.TASK_ABORTED);
    aborted.release();
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.TASK_MGMT_RESPONSE);
    assertThat(out.get(0).u8(2)).isZero();
    releaseAll(out);
  }

  @Test
  void tmf_onUnknownLun_isLunDoesNotExist_andClearAcaIsNotSupported() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(tmf(5, Lun.encode(9), 60, -1, 1, 0));
    h.send(tmf(3, Lun.encode(0), 61, -1, 1, 0));
    h.send(tmf(8, Lun.encode(0), 62, 1, 1, 0));
    List<Pdu> out = h.drain();
    assertThat(out).extracting(p -> p.u8(2)).containsExactly(2, 5, 4);
    releaseAll(out);
  }

  @Test
  void targetColdReset_answersThenClosesEverySessionOfTheTarget() throws Exception {
    h.open(FfpHarness.params(), 1);
    EmbeddedChannel first = h.ch;
    h.open(FfpHarness.params(), 2);
    h.send(tmf(7, 0, 70, -1, 1, 0));
    List<Pdu> out = h.drain();
    assertThat(out.get(0).u8(2)).isZero();
    first.runPendingTasks();
    h.ch.runPendingTasks();
    assertThat(first.isActive()).isFalse();
    assertThat(h.ch.isActive()).isFalse();
    releaseAll(out);
  }

  // ------------------------------------------------------------------ Text

  @Test
  void sendTargetsAll_listsTargetAndAddresses() throws Exception {
    h.open(FfpHarness.params(), 1);
    h.send(text(90, -1, 1, false, "SendTargets=All\0"));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.TEXT_RESPONSE);
    assertThat(out.get(0).flags()).isEqualTo(0x80);
    assertThat(out.get(0).i32(20)).isEqualTo(-1);
    assertThat(new String(bytes(out.get(0)), StandardCharsets.UTF_8))
        .isEqualTo("TargetName=" + FfpHarness.TARGET + "\0TargetAddress=127.0.0.1:3260,1\0");
    releaseAll(out);
  }

  @Test
  void longTextResponse_isSentInPartsTheInitiatorAsksFor() throws Exception {
    SessionParams p = FfpHarness.params();
    p.initiatorMaxRecvDataSegmentLength = 512;
    h.open(p, 1);
    StringBuilder req = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      req.append("X-test-key-").append(i).append("=v\0");
    }
    h.send(text(91, -1, 1, false, req.toString()));
    StringBuilder got = new StringBuilder();
    int cmdSn = 2;
    while (true) {
      List<Pdu> out = h.drain();
      assertThat(out).hasSize(1);
      Pdu r = out.get(0);
      assertThat(r.dataSegmentLength()).isLessThanOrEqualTo(512);
      got.append(new String(bytes(r), StandardCharsets.UTF_8));
      boolean fin = r.finalBit();
      int ttt = r.i32(20);
      r.release();
      if (fin) {
        assertThat(ttt).isEqualTo(-1);
        break;
      }
      assertThat(r.flags() & 0x40).isEqualTo(0x40);
      h.send(text(91, ttt, cmdSn++, false, null));
    }
    assertThat(got.toString()).contains("X-test-key-0=NotUnderstood\0").contains("X-test-key-39=NotUnderstood\0");
  }

  // ------------------------------------------------------------------ login binding

  @Test
  void loginWithSameIsid_reinstatesTheSession_closingTheOldConnection() throws Exception {
    h.open(FfpHarness.params(), 1);
    EmbeddedChannel first = h.ch;
    int oldTsih = h.session.tsih();
    h.send(command(1, 1, HOLD, 0, false, false, true, null));
    h.open(FfpHarness.params(), 1);
    first.runPendingTasks();
    assertThat(first.isActive()).isFalse();
    assertThat(h.registry.sessions()).hasSize(1);
    assertThat(h.registry.sessions().get(0).tsih()).isNotEqualTo(oldTsih);
    h.held.poll().complete(ScsiResponse.good());
    first.runPendingTasks();
    assertThat((Object) first.readOutbound()).isNull();
  }

  @Test
  void loginWithUnknownTsih_isSessionDoesNotExist_andWithAKnownOneTooManyConnections() throws Exception {
    h.open(FfpHarness.params(), 1);
    byte[] isid = {0x40, 0, 0, 0, 0, 1};
    assertThatThrownBy(() -> h.registry.bind(FfpHarness.params(), isid, 999))
        .isInstanceOfSatisfying(LoginException.class,
            e -> assertThat(e.status()).isEqualTo(LoginException.SESSION_DOES_NOT_EXIST));
    assertThatThrownBy(() -> h.registry.bind(FfpHarness.params(), isid, h.session.tsih()))
        .isInstanceOfSatisfying(LoginException.class,
            e -> assertThat(e.status()).isEqualTo(LoginException.TOO_MANY_CONNECTIONS));
  }

  @Test
  void discoverySession_rejectsScsiCommands() throws Exception {
    SessionParams p = FfpHarness.params();
    p.discovery = true;
    p.targetName = null;
    h.open(p, 3);
    h.send(command(1, 1, TUR, 0, false, false, true, null));
    h.send(text(2, -1, 2, false, "SendTargets=All\0"));
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.REJECT, Opcode.TEXT_RESPONSE);
    assertThat(out.get(0).u8(2)).isEqualTo(TargetPdus.REJECT_COMMAND_NOT_SUPPORTED);
    releaseAll(out);
  }

  @Test
  void snack_isRejectedAtErl0() throws Exception {
    h.open(FfpHarness.params(), 1);
    Pdu snack = Pdu.create(Opcode.SNACK_REQUEST, null);
    snack.setFlags(0x80).setItt(5);
    h.send(snack);
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.REJECT);
    releaseAll(out);
  }
}
