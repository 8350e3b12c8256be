package io.blockraft.replication.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.replication.WriteFencedException;
import io.blockraft.replication.volume.RaftVolume;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apply-time fencing on a real three-node Ratis cluster: data changes sent on behalf of an issuer
 * ({@link ReplicatedVolume#issuedBy}) are judged by the node's write guard at their place in the
 * log. The guard here refuses the issuer named by the metadata key "fence" (the SCSI layer's is
 * the reservation state): once the key names X, X's changes fail with {@link
 * WriteFencedException} through every node and change nothing on any replica, also on one that was
 * down and applies the log later; others' changes, batched with X's, apply.
 */
class WriteFencingTest {

  @TempDir Path dir;

  private static final byte[] X = "initiator-x".getBytes(StandardCharsets.UTF_8);
  private static final byte[] Y = "initiator-y".getBytes(StandardCharsets.UTF_8);

  private static InProcessCluster cluster(Path dir) {
    InProcessCluster c = new InProcessCluster(dir, 3, 3, 1L << 30);
    c.transforms.guardWrites("fence", (value, issuer) -> value == null || !Arrays.equals(value, issuer));
    return c.startAll();
  }

  private static ByteBuffer block(int value) {
    byte[] b = new byte[512];
    Arrays.fill(b, (byte) value);
    return ByteBuffer.wrap(b);
  }

  private static byte[] read(RaftVolume v, long lba) throws Exception {
    ByteBuffer dst = ByteBuffer.allocate(512);
    v.read(lba, 1, dst).get(30, TimeUnit.SECONDS);
    return dst.array();
  }

  private static void assertFenced(CompletableFuture<?> f) {
    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(WriteFencedException.class);
  }

  @Test
  void fencedIssuer_changesNothingAnywhere_throughLeaderAndFollower() throws Exception {
    try (InProcessCluster c = cluster(dir)) {
      c.node(1).createVolume("v", 4096, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      int leader = c.leaderOf("v");
      int follower = leader % 3 + 1;
      RaftVolume viaLeader = c.volume(leader, "v");
      RaftVolume viaFollower = c.volume(follower, "v");

      viaFollower.issuedBy(X).write(0, 1, block(1)).get(30, TimeUnit.SECONDS);
      viaLeader.putMeta("fence", X).get(30, TimeUnit.SECONDS);

      for (RaftVolume via : List.of(viaLeader, viaFollower)) {
        ReplicatedVolume x = via.issuedBy(X);
        assertFenced(x.write(0, 1, block(2)));
        assertFenced(x.unmap(0, 1));
        assertFenced(x.writeZeroes(0, 1));
        assertFenced(x.compareAndWrite(0, 1, block(1), block(3)));
      }
      viaFollower.issuedBy(Y).write(1, 1, block(4)).get(30, TimeUnit.SECONDS);
      viaFollower.write(2, 1, block(5)).get(30, TimeUnit.SECONDS); // no issuer: never judged

      // many at once through one node: X's and Y's writes share batched entries
      List<CompletableFuture<Void>> xs = new ArrayList<>();
      List<CompletableFuture<Void>> ys = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        xs.add(viaLeader.issuedBy(X).write(100 + i, 1, block(6)));
        ys.add(viaLeader.issuedBy(Y).write(200 + i, 1, block(7)));
      }
      xs.forEach(WriteFencingTest::assertFenced);
      for (CompletableFuture<Void> y : ys) {
        y.get(30, TimeUnit.SECONDS);
      }

      for (int node = 1; node <= 3; node++) {
        RaftVolume v = c.volume(node, "v");
        assertThat(read(v, 0)).as("node %d: X's first write only", node).isEqualTo(block(1).array());
        assertThat(read(v, 1)).isEqualTo(block(4).array());
        assertThat(read(v, 2)).isEqualTo(block(5).array());
        for (int i = 0; i < 64; i++) {
          assertThat(read(v, 100 + i)).as("node %d lba %d", node, 100 + i).containsOnly(0);
          assertThat(read(v, 200 + i)).isEqualTo(block(7).array());
        }
      }
    }
  }

  /** A replica that was down applies the fenced entries later, from the log, and agrees. */
  @Test
  void replicaThatWasDown_judgesTheSameWhenItCatchesUp() throws Exception {
    try (InProcessCluster c = cluster(dir)) {
      c.node(1).createVolume("v", 4096, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      int down = c.leaderOf("v") % 3 + 1; // a follower
      RaftVolume some = c.volume(down % 3 + 1, "v");
      some.issuedBy(X).write(10, 1, block(1)).get(30, TimeUnit.SECONDS);
      c.stop(down);

      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      RaftVolume live = c.volume(c.leaderOf("v"), "v");
      live.putMeta("fence", X).get(30, TimeUnit.SECONDS);
      assertFenced(live.issuedBy(X).write(10, 1, block(2)));
      live.issuedBy(Y).write(11, 1, block(3)).get(30, TimeUnit.SECONDS);
      live.putMeta("fence", null).get(30, TimeUnit.SECONDS);
      live.issuedBy(X).write(12, 1, block(4)).get(30, TimeUnit.SECONDS);

      c.start(down);
      RaftVolume back = c.volume(down, "v");
      await().atMost(Duration.ofSeconds(60)).untilAsserted(
          () -> assertThat(read(back, 12)).isEqualTo(block(4).array()));
      assertThat(read(back, 10)).as("the write refused while X was fenced").isEqualTo(block(1).array());
      assertThat(read(back, 11)).isEqualTo(block(3).array());
    }
  }

  /**
   * An op type this build does not know (what a newer build would write) never enters the log
   * through this leader: the request fails and every replica goes on serving. (A replica that
   * meets such an entry in its log stops applying rather than skip it: VolumeStateMachine.)
   */
  @Test
  void unknownOpType_isRefusedBeforeTheLog_andTheVolumeServesOn() throws Exception {
    try (InProcessCluster c = cluster(dir)) {
      c.node(1).createVolume("v", 4096, 512).get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).until(() -> c.leaderOf("v") > 0);
      int leader = c.leaderOf("v");
      RaftVolume v = c.volume(leader, "v");
      org.apache.ratis.server.RaftServer.Division d = ClusterProbes.division(c, leader, v.groupId());
      byte[] header = {'Q', 0, 0, 0, 0};
      ByteBuffer request = ByteBuffer.allocate(4 + header.length).putInt(header.length).put(header).flip();
      try (org.apache.ratis.client.RaftClient client = org.apache.ratis.client.RaftClient.newBuilder()
          .setProperties(RatisSettings.client()).setRaftGroup(d.getGroup()).setLeaderId(d.getId())
          .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry()).build()) {
        long before = d.getInfo().getLastAppliedIndex();
        org.apache.ratis.protocol.RaftClientReply reply;
        try {
          reply = client.io().send(org.apache.ratis.protocol.Message.valueOf(
              org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(request)));
          assertThat(reply.isSuccess()).as("reply %s", reply).isFalse();
        } catch (java.io.IOException refused) {
          assertThat(refused).hasMessageContaining("malformed volume op");
        }
        assertThat(d.getRaftLog().getLastEntryTermIndex().getIndex()).as("nothing appended")
            .isLessThanOrEqualTo(Math.max(before, d.getRaftLog().getLastCommittedIndex()));
      }
      for (int node = 1; node <= 3; node++) {
        c.volume(node, "v").write(node, 1, block(node)).get(30, TimeUnit.SECONDS);
        assertThat(read(c.volume(node % 3 + 1, "v"), node)).isEqualTo(block(node).array());
      }
    }
  }
}
