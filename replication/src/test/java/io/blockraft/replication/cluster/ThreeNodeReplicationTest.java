package io.blockraft.replication.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blockraft.replication.MetaTransform;
import io.blockraft.replication.volume.RaftVolume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void compareAndWrite_throughLeaderAndFollower_isAppliedEverywhere() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, 1L << 30).startAll()) {
      c.node(1).createVolume("v", 8192, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      int leader = c.leaderOf("v");
      int follower = leader % 3 + 1;
      for (int node : new int[] {leader, follower}) {
        RaftVolume v = c.volume(node, "v");
        long lba = node * 10L;
        byte[] zeros = new byte[512];
        byte[] data = random(node, 512).array();
        long r = v.compareAndWrite(lba, 1, ByteBuffer.wrap(zeros), ByteBuffer.wrap(data)).get(30, TimeUnit.SECONDS);
        assertThat(r).isEqualTo(-1);
        long again = v.compareAndWrite(lba, 1, ByteBuffer.wrap(zeros), ByteBuffer.wrap(data)).get(30, TimeUnit.SECONDS);
        assertThat(again).isGreaterThanOrEqualTo(0);
        for (int reader = 1; reader <= 3; reader++) {
          assertThat(read(c.volume(reader, "v"), lba, 1)).isEqualTo(data);
        }
      }
    }
  }

  @Test
  void leaderStoppedWhileOthersWrite_restartedNodeReadsEverything() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, 1L << 30).startAll()) {
      c.node(1).createVolume("v", 1 << 17, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      int leader = c.leaderOf("v");
      int other = leader % 3 + 1;
      int chunk = 4096; // 2 MiB in 512-byte blocks
      c.volume(leader, "v").write(0, chunk, random(1, chunk * 512)).get(30, TimeUnit.SECONDS);
      c.stop(leader);
      for (int i = 0; i < 8; i++) {
        c.volume(other, "v").write((long) (i + 1) * chunk, chunk, random(10 + i, chunk * 512))
            .get(60, TimeUnit.SECONDS);
      }
      c.start(leader);
      RaftVolume back = c.volume(leader, "v");
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
        read(back, 0, 1);
        return true;
      });
      assertThat(read(back, 0, chunk)).isEqualTo(random(1, chunk * 512).array());
      for (int i = 0; i < 8; i++) {
        assertThat(read(back, (long) (i + 1) * chunk, chunk)).as("chunk %d", i)
            .isEqualTo(random(10 + i, chunk * 512).array());
      }
    }
  }

  /**
   * awaitReplicas answers true only once every replica has applied the entry (each replica's
   * listener has already heard it, with no waiting in the test), through the leader as through a
   * follower; with one replica stopped it answers false at its deadline.
   */
  @Test
  void awaitReplicas_trueOnlyOnceEveryReplicaApplied_falseWithAReplicaDown() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, 1L << 30)) {
      c.transforms.register("count", (current, op) -> new MetaTransform.Outcome(op, op));
      c.startAll();
      c.node(1).createVolume("v", 8192, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      AtomicInteger[] seen = new AtomicInteger[4];
      for (int node = 1; node <= 3; node++) {
        AtomicInteger n = seen[node] = new AtomicInteger();
        c.volume(node, "v").watchMeta("count", (op, result, value) -> n.incrementAndGet());
      }
      int leader = c.leaderOf("v");
      int follower = leader % 3 + 1;
      int k = 0;
      for (int issuer : new int[] {leader, follower}) {
        RaftVolume v = c.volume(issuer, "v");
        for (int round = 0; round < 10; round++) {
          k++;
          v.transformMeta("count", new byte[] {(byte) k}).get(30, TimeUnit.SECONDS);
          assertThat(v.awaitReplicas(30_000).get(60, TimeUnit.SECONDS)).as("issued at n%d", issuer).isTrue();
          for (int node = 1; node <= 3; node++) {
            assertThat(seen[node].get()).as("applied at n%d when n%d confirmed", node, issuer).isEqualTo(k);
          }
        }
      }
      int down = 6 - leader - follower;
      c.stop(down);
      RaftVolume v = c.volume(leader, "v");
      v.transformMeta("count", new byte[] {0}).get(30, TimeUnit.SECONDS);
      assertThat(v.awaitReplicas(300).get(60, TimeUnit.SECONDS)).as("n%d is down", down).isFalse();
    }
  }
}
