package io.blockraft.replication.cluster;

import static org.awaitility.Awaitility.await;

import io.blockraft.replication.volume.RaftVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * What the in-process cluster tests ({@link ClusterLifecycleTest}, {@link ClusterPlacementTest})
 * look at and wait for: volumes created and led by their preferred replica, Raft divisions,
 * the volume table as one node sees it. Every wait is an Awaitility condition.
 */
final class ClusterProbes {

  private ClusterProbes() {}

  static final int BS = 512;
  static final Duration WAIT = Duration.ofSeconds(60);

  /** {@code -Dblockraft.test.seed=N} replays a run; otherwise {@code fallback}. */
  static long seed(long fallback) {
    return Long.getLong("blockraft.test.seed", fallback);
  }

  static VolumeRecord create(InProcessCluster c, String name, long blocks) throws Exception {
    VolumeRecord r = c.node(1).createVolume(name, blocks, BS).get(60, TimeUnit.SECONDS);
    awaitPreferredLeader(c, r);
    return r;
  }

  /**
   * Waits until the first replica (highest priority) leads {@code r}'s group and is ready, i.e.
   * has committed an entry of its term, so that the next ops go straight to a settled leader.
   */
  static void awaitPreferredLeader(InProcessCluster c, VolumeRecord r) {
    int preferred = r.replicas().get(0);
    await().atMost(WAIT).until(() -> c.leaderOf(r.name()) == preferred
        && division(c, preferred, r.groupId()).getInfo().isLeaderReady());
  }

  static int awaitLeader(InProcessCluster c, String name) {
    await().atMost(WAIT).until(() -> c.leaderOf(name) > 0);
    return c.leaderOf(name);
  }

  static List<RaftVolume> via(InProcessCluster c, String name, int... nodes) {
    List<RaftVolume> out = new ArrayList<>();
    for (int n : nodes) {
      out.add(c.volume(n, name));
    }
    return out;
  }

  static VolumeRecord recordOn(InProcessCluster c, int node, String name) {
    return c.node(node).volumeTable().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  static List<Integer> peerIds(RaftGroup group) {
    return group.getPeers().stream().map(p -> Integer.parseInt(p.getId().toString().substring(1))).toList();
  }

  static RaftServer.Division division(InProcessCluster c, int node, RaftGroupId g) {
    try {
      return c.node(node).server().getDivision(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
