package io.blockraft.target.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws InterruptedException {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void help_printsTheCommands_andSucceeds() throws Exception {
    assertThat(run("help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("local-cluster", "node --config FILE");
  }

  @Test
  void unknownCommand_isExit2_withAHint() throws Exception {
    assertThat(run("serve")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'serve'", "blockraft help");
  }

  @Test
  void localCluster_moreThanFiveNodes_isRefused_namingTheRange() {
    assertThatThrownBy(() -> run("local-cluster", "--nodes", "6"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--nodes: give a number from 1 to 5");
  }

  @Test
  void help_showsTheThreeNodeCluster() throws Exception {
    run("help");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("local-cluster --nodes 3", "127.0.0.1, .2 and .3");
  }

  @Test
  void nodeOptions_configPortalPortAndParentPid() {
    assertThat(Cli.NodeOptions.parse(new String[] {"--config", "n.json"}))
        .isEqualTo(new Cli.NodeOptions(Path.of("n.json"), null, null));
    assertThat(Cli.NodeOptions.parse(new String[] {"--config", "n.json", "--portal-port", "3300", "--parent-pid", "77"}))
        .isEqualTo(new Cli.NodeOptions(Path.of("n.json"), 3300, 77L));
    assertThatThrownBy(() -> Cli.NodeOptions.parse(new String[] {"--config", "n.json", "--portal-port", "0"}))
        .hasMessage("--portal-port: give a number from 1 to 65535");
    assertThatThrownBy(() -> Cli.NodeOptions.parse(new String[] {"--portal-port", "3300"}))
        .hasMessage("node: give the config file: blockraft node --config FILE");
    assertThatThrownBy(() -> Cli.NodeOptions.parse(new String[] {"--conf", "n.json"}))
        .hasMessageStartingWith("node: unknown option --conf");
  }

  @Test
  void servingLine_saysWhereTheNodeServes_andInWhichMode() {
    NodeConfig single = NodeConfigParser.parse(LocalCluster.defaultConfig(3260), Path.of("/d"));
    NodeConfig two = NodeConfigParser.parse(LocalCluster.clusterConfig(2, 3, 3260), Path.of("/d"));
    assertThat(Cli.servingLine(single, 3260))
        .isEqualTo("node 1 serving on 127.0.0.1:3260 (single node), data in /d/node1");
    assertThat(Cli.servingLine(two, 3300)).isEqualTo("node 2 serving on 127.0.0.2:3300 (Raft"
        + " 127.0.0.2:3261, 2 peers, 3 replicas per volume), data in /d/node2");
  }

  @Test
  void localCluster_badPort_andUnknownOption_areNamed() {
    assertThatThrownBy(() -> run("local-cluster", "--base-port", "70000"))
        .hasMessage("--base-port: give a number from 1 to 65535");
    assertThatThrownBy(() -> run("local-cluster", "--base-port"))
        .hasMessage("--base-port: give a number from 1 to 65535");
    assertThatThrownBy(() -> run("local-cluster", "--dat", "x"))
        .hasMessageStartingWith("--dat: unknown option");
  }

  @Test
  void node_withoutConfig_orWithABadOne_namesTheProblem(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> run("node")).hasMessageContaining("--config FILE");
    Path bad = dir.resolve("n.json");
    Files.writeString(bad, "{ \"nodeId\": 0 }");
    assertThatThrownBy(() -> run("node", "--config", bad.toString()))
        .hasMessageStartingWith("nodeId: 0 is out of range");
  }

  @Test
  void startFailure_isOneLine_namingThePortInUse() {
    Exception e = new IllegalStateException("bind", new BindException("Address already in use"));
    assertThat(Cli.describe(e)).contains("portal address is in use", "--base-port");
  }

  @Test
  void localClusterConfig_isWrittenOnce_andKeptOnRestart(@TempDir Path dir) throws Exception {
    NodeConfig first = LocalCluster.prepare(new LocalCluster.Options(1, 3300, dir));
    Path file = dir.resolve("node1.json");
    Files.writeString(file, Files.readString(file).replace("\"1GiB\"", "\"2GiB\""));
    NodeConfig second = LocalCluster.prepare(new LocalCluster.Options(1, 3301, dir));

    assertThat(first.volumes().get(0).sizeBytes()).isEqualTo(1L << 30);
    assertThat(second.volumes().get(0).sizeBytes()).isEqualTo(2L << 30);
    assertThat(second.portalPort()).isEqualTo(3301);
    assertThat(second.dataDir()).isEqualTo(dir.toAbsolutePath().resolve("node1"));
  }
}
