package io.blockraft.replication.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blockraft.replication.volume.RaftVolume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThreeNodeReplicationTest {

  @TempDir Path dir;

  private static ByteBuffer random(long seed, int bytes) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    return ByteBuffer.wrap(b);
  }

  private static byte[] read(RaftVolume v, long lba, int count) throws Exception {
    ByteBuffer dst = ByteBuffer.allocate(count * v.logicalBlockSize());
    v.read(lba, count, dst).get(30, TimeUnit.SECONDS);
    return dst.array();
  }

  @Test
  void writeThroughOneNode_readsBackOnEveryNode() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, 1L << 30).startAll()) {
      VolumeRecord r = c.node(1).createVolume("v", 8192, 512).get(60, TimeUnit.SECONDS);
      assertThat(r.replicas()).containsExactlyInAnyOrder(1, 2, 3);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      for (int node = 1; node <= 3; node++) {
        RaftVolume v = c.volume(node, "v");
        v.write(node * 100L, 16, random(node, 16 * 512)).get(30, TimeUnit.SECONDS);
      }
      for (int reader = 1; reader <= 3; reader++) {
        RaftVolume v = c.volume(reader, "v");
        for (int node = 1; node <= 3; node++) {
          assertThat(read(v, node * 100L, 16)).isEqualTo(random(node, 16 * 512).array());
        }
      }
    }
  }
}
