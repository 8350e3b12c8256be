package io.blockraft.target.iscsi.portal;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.iscsi.portal.MiniInitiator.In;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.sense.SenseReason;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPC-4 5.13.11.2.5 end to end: two sessions on a real portal; B's WRITE waits for its Data-Out
 * (the target has sent the R2T) when A preempts B's key with PREEMPT AND ABORT. B's WRITE ends with
 * TASK ABORTED, A gets GOOD, and B's next command gets REGISTRATIONS PREEMPTED.
 */
class PreemptAndAbortOverIscsiTest {
  private static final int R2T = 0x31;
  private static final byte[] NO_DATA = new byte[0];
  private PortalServer portal;

  @BeforeEach
  void start() throws Exception {
    portal = PortalDemo.start(0, 2048);
  }

  @AfterEach
  void stop() {
    portal.stop();
  }

  @Test
  void preemptAndAbort_endsTheOtherSessionsWriteWithTaskAborted_andAnswersGood() throws Exception {
    try (MiniInitiator a = new MiniInitiator(portal.boundPort(), "iqn.2024-01.test:node-a", 1);
        MiniInitiator b = new MiniInitiator(portal.boundPort(), "iqn.2024-01.test:node-b", 2)) {
      assertThat(a.login(PortalDemo.TARGET).u8(36)).isZero();
      assertThat(b.login(PortalDemo.TARGET).u8(36)).isZero();
      clearUnitAttentions(a);
      clearUnitAttentions(b);
      assertThat(status(a, prout(a, 6, 0, 0, 0xA))).isEqualTo(ScsiStatus.GOOD); // REGISTER AND IGNORE
      assertThat(status(b, prout(b, 6, 0, 0, 0xB))).isEqualTo(ScsiStatus.GOOD);
      assertThat(status(b, prout(b, 1, 1, 0xB, 0))).isEqualTo(ScsiStatus.GOOD); // RESERVE, WE

      byte[] write = new byte[10];
      write[0] = 0x2a;
      Cdb.put16(write, 7, 8);
      int w = b.command(write, 4096, false, true, null); // no immediate data: waits for an R2T
      In r2t = b.awaitOpcode(R2T);
      assertThat(r2t.i32(16)).isEqualTo(w);

      In preempt = a.awaitStatus(prout(a, 5, 1, 0xA, 0xB), NO_DATA); // PREEMPT AND ABORT, WE
      assertThat(preempt.u8(3)).isEqualTo(ScsiStatus.GOOD);

      In aborted = b.awaitStatus(w, NO_DATA);
      assertThat(aborted.u8(2)).as("response: command completed at target").isZero();
      assertThat(aborted.u8(3)).isEqualTo(ScsiStatus.TASK_ABORTED);

      In ua = b.awaitStatus(b.command(new byte[6], 0, false, false, null), NO_DATA);
      assertThat(ua.u8(3)).isEqualTo(ScsiStatus.CHECK_CONDITION);
      assertThat(ua.senseKeyAscAscq()).containsExactly(SenseReason.REGISTRATIONS_PREEMPTED.key,
          SenseReason.REGISTRATIONS_PREEMPTED.asc, SenseReason.REGISTRATIONS_PREEMPTED.ascq);
      assertThat(status(a, a.command(new byte[6], 0, false, false, null)))
          .isEqualTo(ScsiStatus.GOOD);
    }
  }

  private static int status(MiniInitiator i, int tag) throws IOException {
    return i.awaitStatus(tag, NO_DATA).u8(3);
  }

  /** TEST UNIT READY until GOOD (the power-on unit attention first). */
  private static void clearUnitAttentions(MiniInitiator i) throws IOException {
    for (int n = 0; n < 4; n++) {
      if (status(i, i.command(new byte[6], 0, false, false, null)) == ScsiStatus.GOOD) {
        return;
      }
    }
    throw new AssertionError("unit attentions do not clear");
  }

  /** PERSISTENT RESERVE OUT with a basic parameter list as immediate data; returns its ITT. */
  private static int prout(MiniInitiator i, int serviceAction, int type, long key, long sark)
      throws IOException {
    byte[] cdb = new byte[10];
    cdb[0] = 0x5f;
    cdb[1] = (byte) serviceAction;
    cdb[2] = (byte) type;
    Cdb.put32(cdb, 5, 24);
    byte[] param = new byte[24];
    Cdb.put64(param, 0, key);
    Cdb.put64(param, 8, sark);
    return i.command(cdb, 24, false, true, param);
  }
}
