package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.node.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability across a crash: data written through iSCSI (qemu-img) to a node in a child JVM,
 * the node killed with SIGKILL, a new node started on the same data directory and port, the
 * data read back byte for byte. Also: SIGTERM stops the node cleanly and the data survives that.
 */
class KillRestartIT {
  @TempDir
  Path dir;

  @Test
  void acknowledgedWrites_surviveKill9_andRestartOnSameDataDir() throws Exception {
    ItSupport.requireQemuIscsi();
    Path data = dir.resolve("data");
    Path in = QemuImgRoundTripIT.randomFile(dir.resolve("in.raw"), 16, 0xdead_beefL);
    Path out = dir.resolve("out.raw");
    int port = ItSupport.freePort();
    String lun0 = "iscsi://127.0.0.1:" + port + "/" + LocalCluster.TARGET + "/0";
    Path logs = ItSupport.buildDir();

    try (ChildNode first = ChildNode.localCluster(data, port, logs.resolve("kill-restart-1.log"))) {
      QemuImgRoundTripIT.write(in, lun0);
      first.kill();
      assertThat(first.alive()).isFalse();
    }
    try (ChildNode second = ChildNode.localCluster(data, port, logs.resolve("kill-restart-2.log"))) {
      QemuImgRoundTripIT.read(lun0, out, 16);
      assertThat(second.output()).doesNotContain("creating volume");
    }

    assertThat(Files.mismatch(in, out)).as("first differing byte after kill -9").isEqualTo(-1L);
  }

  @Test
  void sigterm_stopsTheNodeCleanly_andDataSurvives() throws Exception {
    ItSupport.requireQemuIscsi();
    Path data = dir.resolve("data");
    Path in = QemuImgRoundTripIT.randomFile(dir.resolve("in.raw"), 4, 42);
    Path out = dir.resolve("out.raw");
    int port = ItSupport.freePort();
    String lun0 = "iscsi://127.0.0.1:" + port + "/" + LocalCluster.TARGET + "/0";
    Path logs = ItSupport.buildDir();

    int status;
    String firstLog;
    try (ChildNode first = ChildNode.localCluster(data, port, logs.resolve("sigterm-1.log"))) {
      QemuImgRoundTripIT.write(in, lun0);
      status = first.terminate(Duration.ofSeconds(20));
      firstLog = first.output();
    }
    try (ChildNode second = ChildNode.localCluster(data, port, logs.resolve("sigterm-2.log"))) {
      QemuImgRoundTripIT.read(lun0, out, 4);
    }

    // a JVM ended by SIGTERM after its shutdown hooks ran exits 143 (128 + 15)
    assertThat(status).isIn(0, 143);
    assertThat(firstLog).contains("node 1 stopped").doesNotContain("Exception");
    assertThat(Files.mismatch(in, out)).isEqualTo(-1L);
  }
}
