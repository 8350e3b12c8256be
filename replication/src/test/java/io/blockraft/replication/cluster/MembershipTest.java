package io.blockraft.replication.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.volume.RaftVolume;
import io.blockraft.storage.RocksConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adding a node to a running cluster and removing a dead one moves its replicas, data intact. */
class MembershipTest {

  @TempDir Path dir;

  private static byte[] random(long seed, int bytes) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(RaftVolume v, long lba, int count) throws Exception {
    ByteBuffer dst = ByteBuffer.allocate(count * v.logicalBlockSize());
    v.read(lba, count, dst).get(30, TimeUnit.SECONDS);
    return dst.array();
  }

  @Test
  void addNode_thenRemoveDeadNode_movesItsReplicaToTheNewNode() throws Exception {
    ExecutorService io = Executors.newFixedThreadPool(4);
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, 2L << 20).startAll()) {
      c.node(1).createVolume("v", 1 << 15, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      for (int i = 0; i < 8; i++) { // 4 MiB: past two snapshots, so the new replica needs one
        c.volume(1, "v").write(i * 1024L, 1024, ByteBuffer.wrap(random(i, 1024 * 512))).get(30, TimeUnit.SECONDS);
      }
      ReplicationNode.Member m4 = new ReplicationNode.Member(4, "127.0.0.1", InProcessCluster.freePort());
      List<ReplicationNode.Member> all = new ArrayList<>(c.members);
      all.add(m4);
      try (ReplicationNode n4 = ReplicationNode.start(new ReplicationNode.Options(4, all, dir.resolve("node4"), 3,
          RocksConfig.singleNode().withBlockCache(32 * RocksConfig.MIB), 2L << 20),
          new MetaTransforms(), io)) {
        c.node(1).addNode(m4).get(180, TimeUnit.SECONDS);
        for (int k = 1; k <= 3; k++) {
          int node = k;
          await().atMost(Duration.ofSeconds(30))
              .until(() -> c.node(node).volumeTable() != null && membersOf(c.node(node)).contains(4));
        }
        int victim = c.leaderOf("v") == 3 ? 2 : 3; // a follower dies
        c.stop(victim);
        int survivor = 1;
        c.node(survivor).removeNode(victim).get(120, TimeUnit.SECONDS);
        assertThat(c.node(survivor).volumeTable().get(0).replicas()).doesNotContain(victim).contains(4);
        RaftVolume onNew = n4.volume("v").get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
            .until(() -> java.util.Arrays.equals(read(onNew, 7 * 1024L, 1024), random(7, 1024 * 512)));
        for (int i = 0; i < 8; i++) {
          assertThat(read(onNew, i * 1024L, 1024)).as("region %d through node 4", i).isEqualTo(random(i, 1024 * 512));
        }
        // the volume now has a quorum without the removed node: writes through the new node work
        onNew.write(0, 1, ByteBuffer.wrap(random(99, 512))).get(60, TimeUnit.SECONDS);
        assertThat(read(c.volume(survivor, "v"), 0, 1)).isEqualTo(random(99, 512));
        // the removed node comes back with its old replica on disk: the group's leader no longer
        // counts it, so it closes the replica and deletes its storage
        var group = c.node(survivor).volumeTable().get(0).groupId();
        java.nio.file.Path home = c.dir(victim).resolve("volumes").resolve(group.getUuid().toString());
        assertThat(home).exists();
        c.start(victim);
        await().atMost(Duration.ofSeconds(60)).until(() -> c.node(victim).machine("v") == null
            && java.util.stream.StreamSupport.stream(c.node(victim).server().getGroupIds().spliterator(), false)
                .noneMatch(group::equals));
        assertThat(home).doesNotExist();
        assertThat(c.dir(victim).resolve("raft").resolve(group.getUuid().toString())).doesNotExist();
      }
    } finally {
      io.shutdownNow();
    }
  }

  private static java.util.Set<Integer> membersOf(ReplicationNode n) {
    return n.members().keySet();
  }
}
