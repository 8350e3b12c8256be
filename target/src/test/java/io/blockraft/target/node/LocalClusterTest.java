package io.blockraft.target.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code local-cluster}'s options and the configs it generates (no node is started here). */
class LocalClusterTest {
  private static final Path BASE = Path.of("/srv/blockraft");

  @TempDir
  Path dir;

  private static LocalCluster.Options options(String... args) {
    return LocalCluster.Options.parse(args);
  }

  @Test
  void options_acceptOneToFiveNodes_andDefaultToOneNodeOnPort3260() {
    assertThat(options()).isEqualTo(new LocalCluster.Options(1, 3260, Path.of("data")));
    assertThat(options("--nodes", "3", "--base-port", "3300", "--data", "x"))
        .isEqualTo(new LocalCluster.Options(3, 3300, Path.of("x")));
    assertThat(options("--nodes", "5").nodes()).isEqualTo(5);
  }

  @Test
  void options_outOfRangeNodes_unknownOptions_andPortsPastTheEnd_areNamed() {
    assertThatThrownBy(() -> options("--nodes", "6"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--nodes: give a number from 1 to 5 (3 for a replicated cluster, 1 for a single node)");
    assertThatThrownBy(() -> options("--nodes", "0")).hasMessageStartingWith("--nodes: give a number from 1 to 5");
    assertThatThrownBy(() -> options("--port", "1")).hasMessageStartingWith("--port: unknown option");
    assertThatThrownBy(() -> options("--nodes", "3", "--base-port", "65534"))
        .hasMessage("--base-port: with --nodes 3 each node also uses PORT+1 (Raft) and PORT+2 (admin);"
            + " give a number from 1 to 65533");
    assertThat(options("--nodes", "1", "--base-port", "65535").basePort()).isEqualTo(65535);
  }

  @Test
  void singleNodeConfig_isValid_andNotClustered() {
    NodeConfig c = NodeConfigParser.parse(LocalCluster.defaultConfig(3260), BASE);
    assertThat(c.clustered()).isFalse();
    assertThat(c.targets()).hasSize(1);
    assertThat(c.targets().get(0).luns()).extracting(NodeConfig.Lun::readOnly).containsExactly(false, true);
  }

  @Test
  void clusterConfig_ofNode2Of3_hasItsLoopbackAddress_andTheOthersAsPeers() {
    NodeConfig c = NodeConfigParser.parse(LocalCluster.clusterConfig(2, 3, 3260), BASE);
    assertThat(c.nodeId()).isEqualTo(2);
    assertThat(c.portalHost()).isEqualTo("127.0.0.2");
    assertThat(c.portalPort()).isEqualTo(3260);
    assertThat(c.raft()).isEqualTo(new NodeConfig.Raft("127.0.0.2", 3261));
    assertThat(c.adminHost()).isEqualTo("127.0.0.2");
    assertThat(c.adminPort()).isEqualTo(3262);
    assertThat(c.dataDir()).isEqualTo(BASE.resolve("node2"));
    assertThat(c.replicas()).isEqualTo(3);
    assertThat(c.peers()).containsExactly(
        new NodeConfig.Peer(1, "127.0.0.1:3261", "127.0.0.1:3260", "127.0.0.1:3262"),
        new NodeConfig.Peer(3, "127.0.0.3:3261", "127.0.0.3:3260", "127.0.0.3:3262"));
    NodeConfig single = NodeConfigParser.parse(LocalCluster.defaultConfig(3260), BASE);
    assertThat(c.volumes()).isEqualTo(single.volumes());
    assertThat(c.targets()).isEqualTo(single.targets());
    assertThat(c.lunUrls(3260)).containsExactly(
        "iscsi://127.0.0.2:3260/iqn.2026-11.io.blockraft:local/0",
        "iscsi://127.0.0.2:3260/iqn.2026-11.io.blockraft:local/1");
  }

  @Test
  void clusterConfig_replicas_areThreeAtMost_andNeverMoreThanTheNodes() {
    assertThat(NodeConfigParser.parse(LocalCluster.clusterConfig(1, 2, 3260), BASE).replicas()).isEqualTo(2);
    assertThat(NodeConfigParser.parse(LocalCluster.clusterConfig(5, 5, 3260), BASE).replicas()).isEqualTo(3);
    assertThat(NodeConfigParser.parse(LocalCluster.clusterConfig(5, 5, 3260), BASE).peers()).hasSize(4);
  }

  @Test
  void prepareAll_writesEachNodesConfigOnce_andTheCommandLinePortWins() throws Exception {
    List<NodeConfig> first = LocalCluster.prepareAll(new LocalCluster.Options(3, 3300, dir));
    Path node2 = dir.resolve("node2.json");
    Files.writeString(node2, Files.readString(node2).replace("\"1GiB\"", "\"2GiB\""));
    List<NodeConfig> second = LocalCluster.prepareAll(new LocalCluster.Options(3, 4000, dir));

    assertThat(first).extracting(NodeConfig::nodeId).containsExactly(1, 2, 3);
    assertThat(first).extracting(NodeConfig::portalHost).containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
    assertThat(dir.resolve("node1.json")).exists();
    assertThat(dir.resolve("node3.json")).exists();
    assertThat(second.get(1).volumes().get(0).sizeBytes()).isEqualTo(2L << 30);
    assertThat(second).extracting(NodeConfig::portalPort).containsOnly(4000);
    assertThat(second.get(0).peers()).extracting(NodeConfig.Peer::portal)
        .containsExactly("127.0.0.2:4000", "127.0.0.3:4000");
    // the Raft endpoints are the cluster's membership: a new --base-port does not move them
    assertThat(second.get(0).raft().port()).isEqualTo(3301);
    assertThat(second.get(2).dataDir()).isEqualTo(dir.toAbsolutePath().resolve("node3"));
  }

  @Test
  void prepareAll_refusesToTurnASingleNodeDirectoryIntoACluster_andTheReverse() {
    Path single = dir.resolve("single");
    Path three = dir.resolve("three");
    LocalCluster.prepareAll(new LocalCluster.Options(1, 3300, single));
    LocalCluster.prepareAll(new LocalCluster.Options(3, 3300, three));

    assertThatThrownBy(() -> LocalCluster.prepareAll(new LocalCluster.Options(3, 3300, single)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--nodes 3: " + single.toAbsolutePath().resolve("node1.json")
            + " is a single-node config (written by --nodes 1); run --nodes 1 on");
    assertThatThrownBy(() -> LocalCluster.prepareAll(new LocalCluster.Options(1, 3300, three)))
        .hasMessageContaining("belongs to a 3-node cluster; run --nodes 3 on");
    assertThatThrownBy(() -> LocalCluster.prepareAll(new LocalCluster.Options(2, 3300, three)))
        .hasMessageStartingWith("--nodes 2: ")
        .hasMessageContaining("belongs to a 3-node cluster");
  }

  @Test
  void prepareAll_basePortOnAnExistingRaftPort_isRefused() {
    LocalCluster.prepareAll(new LocalCluster.Options(3, 3300, dir));
    assertThatThrownBy(() -> LocalCluster.prepareAll(new LocalCluster.Options(3, 3301, dir)))
        .hasMessageStartingWith("--base-port: 3301 is node 1's Raft port in");
  }

  @Test
  void prepareAll_aBrokenConfigFile_isNamedWithTheKey() throws Exception {
    LocalCluster.prepareAll(new LocalCluster.Options(3, 3300, dir));
    Path node3 = dir.resolve("node3.json");
    Files.writeString(node3, Files.readString(node3).replace("\"raft\": \"127.0.0.1:3301\"", "\"raft\": \"127.0.0.1\""));
    assertThatThrownBy(() -> LocalCluster.prepareAll(new LocalCluster.Options(3, 3300, dir)))
        .hasMessage(node3.toAbsolutePath() + ": peers[0].raft: \"127.0.0.1\" is not host:port; give"
            + " host:port, e.g. 127.0.0.2:3261");
  }

  @Test
  void nodeJavaOptions_comeFromTheEnvironment_orTheDefaults() {
    assertThat(LocalProcessCluster.Settings.javaOptions(null)).isEqualTo(LocalProcessCluster.DEFAULT_NODE_JAVA_OPTS);
    assertThat(LocalProcessCluster.Settings.javaOptions("  ")).isEqualTo(LocalProcessCluster.DEFAULT_NODE_JAVA_OPTS);
    assertThat(LocalProcessCluster.Settings.javaOptions(" -Xmx1g   -Dx=y ")).containsExactly("-Xmx1g", "-Dx=y");
    assertThat(LocalProcessCluster.DEFAULT_NODE_JAVA_OPTS).containsExactly("-Xms128m", "-Xmx384m",
        "-XX:MaxDirectMemorySize=192m", "-XX:+UseG1GC", "-Dio.netty.leakDetection.level=disabled");
  }
}
