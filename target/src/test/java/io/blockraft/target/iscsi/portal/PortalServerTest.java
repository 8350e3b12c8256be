package io.blockraft.target.iscsi.portal;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.dispatch.Cdb;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real portal on a real socket, driven by {@link MiniInitiator}: login to logout. */
class PortalServerTest {
  private PortalServer portal;

  @BeforeEach
  void start() throws Exception {
    portal = PortalDemo.start(0, 8192);
  }

  @AfterEach
  void stop() {
    portal.stop();
  }

  private static byte[] rw10(int opcode, long lba, int blocks) {
    byte[] c = new byte[10];
    c[0] = (byte) opcode;
    Cdb.put32(c, 2, lba);
    Cdb.put16(c, 7, blocks);
    return c;
  }

  @Test
  void normalSession_writesReadsPingsAndLogsOut() throws Exception {
    try (MiniInitiator i = new MiniInitiator(portal.boundPort(), 1)) {
      MiniInitiator.In login = i.login(PortalDemo.TARGET);
      assertThat(login.u8(36)).isZero();
      assertThat(login.flags() & 0x83).isEqualTo(0x83); // T=1, NSG=FullFeature
      byte[] data = new byte[4096];
      for (int k = 0; k < data.length; k++) {
        data[k] = (byte) (k * 31);
      }
      // clear the power-on unit attention
      int tur = i.command(new byte[6], 0, false, false, null);
      i.awaitStatus(tur, new byte[0]);
      int w = i.command(rw10(0x2a, 8, 8), 4096, false, true, data);
      MiniInitiator.In ws = i.awaitStatus(w, new byte[0]);
      assertThat(ws.opcode()).isEqualTo(0x21);
      assertThat(ws.u8(3)).isZero();
      byte[] back = new byte[4096];
      int r = i.command(rw10(0x28, 8, 8), 4096, true, false, null);
      MiniInitiator.In rs = i.awaitStatus(r, back);
      assertThat(rs.u8(3)).isZero();
      assertThat(back).isEqualTo(data);
      MiniInitiator.In nop = i.nop("hello".getBytes(StandardCharsets.US_ASCII));
      assertThat(nop.opcode()).isEqualTo(0x20);
      assertThat(nop.text()).isEqualTo("hello");
      MiniInitiator.In lo = i.logout();
      assertThat(lo.opcode()).isEqualTo(0x26);
      assertThat(lo.u8(2)).isZero();
      assertThat(i.closedByTarget()).isTrue();
    }
    Awaitility.await().until(() -> portal.sessions().sessions().isEmpty());
  }

  @Test
  void discoverySession_sendTargetsAll_listsTheTarget() throws Exception {
    try (MiniInitiator i = new MiniInitiator(portal.boundPort(), 2)) {
      assertThat(i.login(null).u8(36)).isZero();
      MiniInitiator.In t = i.text("SendTargets=All\0");
      assertThat(t.opcode()).isEqualTo(0x24);
      assertThat(t.text()).startsWith("TargetName=" + PortalDemo.TARGET + "\0TargetAddress=127.0.0.1:");
      assertThat(i.logout().u8(2)).isZero();
    }
  }

  @Test
  void manySessionsAtOnce_eachWritesAndReadsItsOwnBlocks() throws Exception {
    int sessions = 16;
    ExecutorService pool = Executors.newFixedThreadPool(sessions);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int s = 0; s < sessions; s++) {
        int id = s;
        results.add(pool.submit(() -> {
          try (MiniInitiator i = new MiniInitiator(portal.boundPort(), 10 + id)) {
            if (i.login(PortalDemo.TARGET).u8(36) != 0) {
              return false;
            }
            i.awaitStatus(i.command(new byte[6], 0, false, false, null), new byte[0]);
            boolean ok = true;
            for (int round = 0; round < 20; round++) {
              byte[] data = new byte[512];
              java.util.Arrays.fill(data, (byte) (id * 20 + round));
              int lba = id * 64 + round;
              i.awaitStatus(i.command(rw10(0x2a, lba, 1), 512, false, true, data), new byte[0]);
              byte[] back = new byte[512];
              MiniInitiator.In st = i.awaitStatus(i.command(rw10(0x28, lba, 1), 512, true, false, null), back);
              ok &= st.u8(3) == 0 && java.util.Arrays.equals(back, data);
            }
            i.logout();
            return ok;
          }
        }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void stop_closesOpenSessions() throws Exception {
    try (MiniInitiator i = new MiniInitiator(portal.boundPort(), 3)) {
      assertThat(i.login(PortalDemo.TARGET).u8(36)).isZero();
      portal.stop();
      assertThat(i.closedByTarget()).isTrue();
    }
  }
}
