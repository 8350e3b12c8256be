package io.blockraft.replication.cluster;

import static io.blockraft.replication.cluster.ClusterProbes.BS;
import static io.blockraft.replication.cluster.ClusterProbes.WAIT;
import static io.blockraft.replication.cluster.ClusterProbes.awaitLeader;
import static io.blockraft.replication.cluster.ClusterProbes.division;
import static io.blockraft.replication.cluster.ClusterProbes.peerIds;
import static io.blockraft.replication.cluster.ClusterProbes.recordOn;
import static io.blockraft.replication.cluster.ClusterProbes.seed;
import static io.blockraft.replication.cluster.ClusterProbes.via;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes on five nodes (ARCHITECTURE.md, Cluster): replicas placed across the nodes with every
 * node the preferred leader of a fair share, and a dead node replaced, its volumes re-replicated
 * onto the fresh node. Data is seeded random ({@link VolumeModel}, {@code -Dblockraft.test.seed=N}
 * replays a run); every wait is an Awaitility condition or a future.
 */
class ClusterPlacementTest {

  @TempDir Path dir;

  @Test
  void fiveNodes_spreadReplicasAndLeaders() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 5, 3, 1L << 30).startAll()) {
      List<VolumeRecord> table = createTen(c);
      checkPlacement(table, 5);
      awaitPreferredLeaders(c, table);
    }
  }

  /**
   * {@code replaceNode(dead, fresh)}, called on a third node: each volume of the dead node that
   * the fresh node did not hold gets a full replica there (table on every node, the group's Raft
   * configuration, exact reads and writes through it); a volume the fresh node already holds
   * keeps its replica set (it runs on two replicas until the dead node is replaced otherwise).
   * With five members every two nodes share volumes, so both cases occur.
   */
  @Test
  void replaceNode_givesTheFreshNodeAFullReplicaOfEachVolumeItDidNotHold() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 5, 3, ClusterLifecycleTest.SNAPSHOT_BYTES).startAll()) {
      List<VolumeRecord> table = createTen(c);
      awaitPreferredLeaders(c, table);
      Map<String, VolumeModel> models = new HashMap<>();
      for (VolumeRecord r : table) {
        VolumeModel m = new VolumeModel(r.name(), r.blockCount(), BS, seed(5) * 31 + r.name().hashCode());
        m.run(1, 32, via(c, r.name(), r.replicas().stream().mapToInt(Integer::intValue).toArray()));
        models.put(r.name(), m);
      }
      int dead = 5;
      int fresh = 1;
      int caller = 3; // not `fresh`: see replaceNode_calledOnTheFreshNode_completes
      List<VolumeRecord> moved = table.stream()
          .filter(r -> r.replicas().contains(dead) && !r.replicas().contains(fresh)).toList();
      List<VolumeRecord> kept = table.stream()
          .filter(r -> r.replicas().contains(dead) && r.replicas().contains(fresh)).toList();
      assertThat(moved).isNotEmpty();
      assertThat(kept).isNotEmpty();

      c.stop(dead);
      c.node(caller).replaceNode(dead, fresh).get(120, TimeUnit.SECONDS);

      for (VolumeRecord r : moved) {
        List<Integer> want = new ArrayList<>(r.replicas());
        want.set(want.indexOf(dead), fresh);
        for (int n = 1; n <= 4; n++) {
          int node = n;
          await().atMost(WAIT).until(() -> recordOn(c, node, r.name()).replicas().equals(want));
        }
        int leader = awaitLeader(c, r.name());
        assertThat(peerIds(division(c, leader, r.groupId()).getGroup()))
            .as("%s's Raft configuration", r.name()).containsExactlyInAnyOrderElementsOf(want);
        VolumeModel m = models.get(r.name());
        m.verify(c.volume(fresh, r.name()), r.name() + " on the node that replaced node " + dead);
        m.run(1, 32, via(c, r.name(), fresh));
        int other = want.stream().filter(n -> n != fresh).findFirst().orElseThrow();
        m.verify(c.volume(other, r.name()), r.name() + " on node " + other + " after writing through node " + fresh);
      }
      for (VolumeRecord r : kept) {
        assertThat(recordOn(c, caller, r.name()).replicas()).as(r.name()).isEqualTo(r.replicas());
        int leader = awaitLeader(c, r.name());
        assertThat(peerIds(division(c, leader, r.groupId()).getGroup())).as("%s's Raft configuration", r.name())
            .containsExactlyInAnyOrderElementsOf(r.replicas());
        VolumeModel m = models.get(r.name());
        m.run(1, 32, via(c, r.name(), fresh));
        m.verify(c.volume(fresh, r.name()), r.name() + " on two replicas");
      }

      // the dead node returns: the replicas it lost retire (storage deleted); those its groups
      // still count stay and catch up
      c.start(dead);
      for (VolumeRecord r : moved) {
        await().atMost(WAIT).until(() -> c.node(dead).machine(r.name()) == null);
        assertThat(c.dir(dead).resolve("volumes").resolve(r.groupId().getUuid().toString()))
            .as("%s's storage on the returned node %d", r.name(), dead).doesNotExist();
      }
      for (VolumeRecord r : kept) {
        VolumeModel m = models.get(r.name());
        await().atMost(WAIT).ignoreExceptions()
            .untilAsserted(() -> m.verify(c.volume(dead, r.name()), r.name() + " on the returned node " + dead));
        assertThat(c.node(dead).machine(r.name())).as("%s, still counted, on node %d", r.name(), dead).isNotNull();
      }
    }
  }

  /**
   * The natural call, on the node that is to receive the replicas, never completes: {@code
   * replaceNode} runs on the node's single {@code admin} executor and blocks in the group's
   * {@code setConfiguration}, which waits for the new peer to catch up; but this node adds its
   * replica of the group (on applying the table change, {@code onVolumeRecord}) through that same
   * executor, behind the blocked call. Ratis cannot bootstrap a peer that has no division for the
   * group, so the configuration change (and every later task of that executor, snapshot requests
   * included) waits forever. Seen: the table changed to the new replica set, the group's
   * configuration unchanged, still so after two minutes.
   */
  @Test
  void replaceNode_calledOnTheFreshNode_completes() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 5, 3, 1L << 30).startAll()) {
      List<VolumeRecord> table = createTen(c);
      awaitPreferredLeaders(c, table);
      c.stop(5);
      c.node(1).replaceNode(5, 1).get(90, TimeUnit.SECONDS);
      for (VolumeRecord r : table) {
        if (r.replicas().contains(5) && !r.replicas().contains(1)) {
          await().atMost(WAIT).until(() -> c.node(1).machine(r.name()) != null);
        }
      }
    }
  }

  private static List<VolumeRecord> createTen(InProcessCluster c) throws Exception {
    List<VolumeRecord> out = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      out.add(c.node(1 + i % 5).createVolume("v" + i, 2048, BS).get(60, TimeUnit.SECONDS));
    }
    for (int n = 1; n <= 5; n++) {
      int node = n;
      await().atMost(WAIT).until(() -> c.node(node).volumeTable().size() == 10);
      assertThat(c.node(node).volumeTable()).containsExactlyInAnyOrderElementsOf(out);
    }
    return out;
  }

  /** Three distinct replicas each; every node holds 6 (+-1) and is the preferred leader of 2 (+-1). */
  private static void checkPlacement(List<VolumeRecord> table, int nodes) {
    int[] replicas = new int[nodes + 1];
    int[] first = new int[nodes + 1];
    for (VolumeRecord r : table) {
      assertThat(r.replicas()).as(r.name()).hasSize(3).doesNotHaveDuplicates()
          .allMatch(n -> n >= 1 && n <= nodes);
      r.replicas().forEach(n -> replicas[n]++);
      first[r.replicas().get(0)]++;
    }
    for (int n = 1; n <= nodes; n++) {
      assertThat(replicas[n]).as("replicas on node %d in %s", n, table).isBetween(5, 7);
      assertThat(first[n]).as("preferred leaderships of node %d in %s", n, table).isBetween(1, 3);
    }
  }

  /** The first replica has the highest Raft priority: each volume ends up led by it. */
  private static void awaitPreferredLeaders(InProcessCluster c, List<VolumeRecord> table) {
    await().atMost(Duration.ofSeconds(90)).until(
        () -> table.stream().allMatch(r -> c.leaderOf(r.name()) == r.replicas().get(0)));
    int[] leads = new int[6];
    table.forEach(r -> leads[c.leaderOf(r.name())]++);
    for (int n = 1; n <= 5; n++) {
      assertThat(leads[n]).as("volumes led by node %d", n).isPositive();
    }
  }
}
