package io.blockraft.target.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link LocalProcessCluster} fails to start, with child JVMs that cannot run. Starting real
 * nodes, killing and restarting them is {@code it/ThreeNodeIT}'s job.
 */
class LocalProcessClusterTest {
  @TempDir
  Path dir;

  private final List<String> events = new ArrayList<>();

  private LocalProcessCluster.Settings settings() {
    return LocalProcessCluster.Settings.defaults().withEvents(events::add)
        .withStartTimeout(Duration.ofSeconds(60));
  }

  @Test
  void aNodeThatExitsDuringStartUp_failsTheStart_withItsStatusAndLog_andLeavesNoProcess() {
    LocalProcessCluster.Settings bad = settings().withJavaOptions(List.of("-XX:+NoSuchBlockraftOption"));

    assertThatThrownBy(() -> LocalProcessCluster.start(dir, 23260, 3, bad))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("node 1 exited with status 1 while starting; the end of "
            + dir.toAbsolutePath().resolve("node1.log") + ":")
        .hasMessageContaining("NoSuchBlockraftOption");
    assertThat(ProcessHandle.current().children()
        .filter(p -> p.info().commandLine().orElse("").contains(Cli.class.getName()))).isEmpty();
    assertThat(dir.resolve("node3.log")).content().contains("local-cluster starts node 3");
  }

  @Test
  void aPortalAddressAlreadyInUse_isReportedBeforeAnyNodeStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> LocalProcessCluster.start(dir, port, 1, settings()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("node 1: 127.0.0.1:" + port + " already accepts connections; is a node from an"
              + " earlier run still up? Stop it, or choose another --base-port");
    }
    assertThat(dir.resolve("node1.log")).doesNotExist();
  }

  @Test
  void badNodeCount_isAConfigError() {
    assertThatThrownBy(() -> LocalProcessCluster.start(dir, 23260, 6, settings()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--nodes: give a number from 1 to 5");
  }

  @Test
  void childCommand_runsTheNodeCli_onItsConfig_withThePortAndThisProcessAsParent() {
    LocalProcessCluster.Settings s = settings().withJavaOptions(List.of("-Xmx256m", "-Dx=y"));
    Path config = dir.resolve("node2.json");

    List<String> cmd = NodeProcess.command(s, config, 3260, 4242);

    assertThat(cmd.get(0)).endsWith("/bin/java");
    assertThat(cmd.subList(1, cmd.size())).containsExactly("-Xmx256m", "-Dx=y", "-cp",
        System.getProperty("java.class.path"), "io.blockraft.target.node.Cli", "node",
        "--config", config.toString(), "--portal-port", "3260", "--parent-pid", "4242");
  }
}
