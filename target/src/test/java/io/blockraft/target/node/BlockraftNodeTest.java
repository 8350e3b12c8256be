package io.blockraft.target.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockraftNodeTest {
  @TempDir
  Path dir;

  private NodeConfig config(String size) {
    return NodeConfigParser.parse("""
        { "nodeId": 1, "portal": { "host": "127.0.0.1", "port": 3260 }, "dataDir": "d",
          "volumes": [ { "name": "v0", "size": "%s" } ],
          "targets": [ { "name": "iqn.2026-11.io.example:t", "luns": [ { "lun": 0, "volume": "v0" } ] } ] }
        """.formatted(size), dir).withPortalPort(0);
  }

  @Test
  void restartWithSameConfig_servesTheExistingVolume() {
    try (BlockraftNode node = BlockraftNode.start(config("4MiB"))) {
      assertThat(node.portalPort()).isPositive();
      assertThat(node.lunUrls()).containsExactly(
          "iscsi://127.0.0.1:" + node.portalPort() + "/iqn.2026-11.io.example:t/0");
      assertThat(node.sessionCount()).isZero();
    }
    try (BlockraftNode node = BlockraftNode.start(config("4MiB"))) {
      assertThat(node.portalPort()).isPositive();
    }
  }

  @Test
  void sizeChangeOfAnExistingVolume_isAConfigError_namingTheKey() {
    BlockraftNode.start(config("4MiB")).close();

    assertThatThrownBy(() -> BlockraftNode.start(config("8MiB")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("volumes[0].size: volume \"v0\" holds 4194304 bytes");
    // the failed start released the store: a correct config starts again
    BlockraftNode.start(config("4MiB")).close();
  }
}
