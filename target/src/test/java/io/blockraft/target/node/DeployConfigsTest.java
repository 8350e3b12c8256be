package io.blockraft.target.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The three node configs docker-compose.yml mounts (deploy/node{1,2,3}.json) parse, and describe
 * one cluster: every node names the other two as peers at the addresses they listen on, and all
 * serve the same volumes and targets. (There is no Docker engine here; that they form a cluster
 * and serve one disk was checked by hand, as three processes with the host names mapped to
 * 127.0.0.1-3: README.md, Docker.)
 */
class DeployConfigsTest {

  private static final Path DEPLOY = Path.of("..", "deploy");

  private static NodeConfig node(int k) {
    Path f = DEPLOY.resolve("node" + k + ".json");
    assertThat(f).exists();
    return NodeConfigParser.parse(f);
  }

  @Test
  void threeNodes_eachNamingTheOtherTwoWhereTheyListen() {
    List<NodeConfig> nodes = IntStream.rangeClosed(1, 3).mapToObj(DeployConfigsTest::node).toList();
    for (NodeConfig n : nodes) {
      int k = n.nodeId();
      assertThat(n.clustered()).isTrue();
      assertThat(n.replicas()).isEqualTo(3);
      assertThat(n.portalHost()).as("node %d's advertised portal (published as 127.0.0.%d:3260)", k, k)
          .isEqualTo("127.0.0." + k);
      assertThat(n.portalPort()).isEqualTo(3260);
      assertThat(n.portalBind()).isEqualTo("0.0.0.0");
      assertThat(n.peers()).extracting(NodeConfig.Peer::id)
          .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 3).filter(j -> j != k).boxed().toList());
      for (NodeConfig.Peer p : n.peers()) {
        NodeConfig other = nodes.get(p.id() - 1);
        assertThat(p.raftAddress()).isEqualTo(other.raft().address());
        assertThat(p.portal()).isEqualTo(other.portalHost() + ":" + other.portalPort());
        assertThat(p.adminAddress()).isEqualTo(other.adminHost() + ":" + other.adminPort());
      }
      assertThat(n.volumes()).isEqualTo(nodes.get(0).volumes());
      assertThat(n.targets()).isEqualTo(nodes.get(0).targets());
    }
  }

  @Test
  void composeMountsEachNodesOwnConfig() throws Exception {
    String compose = Files.readString(Path.of("..", "docker-compose.yml"));
    for (int k = 1; k <= 3; k++) {
      assertThat(compose).contains("./deploy/node" + k + ".json:/etc/blockraft/node.json:ro")
          .contains("127.0.0." + k + ":3260:3260");
    }
  }
}
