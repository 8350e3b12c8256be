package io.blockraft.replication.cluster;

import static io.blockraft.replication.cluster.ClusterProbes.BS;
import static io.blockraft.replication.cluster.ClusterProbes.WAIT;
import static io.blockraft.replication.cluster.ClusterProbes.awaitLeader;
import static io.blockraft.replication.cluster.ClusterProbes.awaitPreferredLeader;
import static io.blockraft.replication.cluster.ClusterProbes.create;
import static io.blockraft.replication.cluster.ClusterProbes.division;
import static io.blockraft.replication.cluster.ClusterProbes.seed;
import static io.blockraft.replication.cluster.ClusterProbes.via;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blockraft.replication.volume.RaftVolume;
import io.blockraft.storage.RocksBlockStore;
import io.blockraft.storage.RocksConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated volume through the life of its cluster (ARCHITECTURE.md, Cluster): every node
 * restarted at once, a follower down for several snapshots, a node wiped, a replica's process
 * killed with SIGKILL, size-driven snapshots, reads and writes in flight together. Placement on
 * five nodes and replacing a node are {@link ClusterPlacementTest}.
 *
 * <p>Data is seeded random ({@link VolumeModel}); {@code -Dblockraft.test.seed=N} replays a run
 * (every failure names its seed). Nothing waits on time: Awaitility conditions, futures, and
 * the replicas' own indexes.
 *
 * <p><b>Snapshots in these tests.</b> A replica asks for a snapshot after {@link #SNAPSHOT_BYTES}
 * of payload, but Ratis only takes one when at least its creation gap (1024 entries) was applied
 * since the last, and only purges closed log segments (a segment closes at 64 MiB of entry
 * headers, about 45 bytes each, or when the term changes). So the workload keeps entries near
 * 1.5 KiB (about 1400 entries per snapshot), and a test that needs the leader's log purged steps
 * the leader down once (a new term closes the segment).
 */
class ClusterLifecycleTest {

  /** 8 MiB volumes: reading one back whole takes eight 1 MiB reads. */
  private static final long BLOCKS = 16384;
  static final long SNAPSHOT_BYTES = 2L << 20;
  private static final int WAVE = 64;

  @TempDir Path dir;

  // ---------------------------------------------------------------- 1. whole-cluster restart

  @Test
  void restartingEveryNode_keepsEveryAcknowledgedWriteOnEveryNode() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, SNAPSHOT_BYTES).startAll()) {
      VolumeRecord r = create(c, "v", BLOCKS);
      VolumeModel m = new VolumeModel("v", BLOCKS, BS, seed(1));
      // past a size-driven snapshot (a clean close snapshots each replica too; the crash path,
      // replay from the logs, is killedReplica_replaysItsLogsToTheExactBytesOfTheOthers)
      writeUntil(m, via(c, "v", 1, 2, 3), () -> snapshotIndex(c, 1, r.groupId()) > 0 && m.entries() > 2000);
      m.run(m.compareWriteWave(WAVE), via(c, "v", 1, 2, 3));

      for (int n = 1; n <= 3; n++) {
        c.stop(n);
      }
      for (int n = 1; n <= 3; n++) {
        c.start(n);
      }
      awaitPreferredLeader(c, r);
      for (int n = 1; n <= 3; n++) {
        m.verify(c.volume(n, "v"), "node " + n + " after the restart");
      }
      // and the log goes on where it was
      m.run(3, WAVE, via(c, "v", 3, 2, 1));
      m.run(m.compareWriteWave(WAVE), via(c, "v", 1, 2, 3));
      for (int n = 1; n <= 3; n++) {
        m.verify(c.volume(n, "v"), "node " + n + " after writing on");
      }
    }
  }

  // ---------------------------------------------------------------- 2. follower down, catch-up by snapshot

  @Test
  void followerDownForSeveralSnapshots_catchesUpBySnapshotInstallWhileTheVolumeServes() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, SNAPSHOT_BYTES).startAll()) {
      VolumeRecord r = create(c, "v", BLOCKS);
      RaftGroupId g = r.groupId();
      VolumeModel m = new VolumeModel("v", BLOCKS, BS, seed(2));
      m.run(3, WAVE, via(c, "v", 1, 2, 3));

      int leader = r.replicas().get(0);
      int down = r.replicas().get(2);
      List<RaftVolume> live = via(c, "v", leader, r.replicas().get(1));
      c.stop(down);
      // a file RocksDB does not know: it survives anything but a rebuild of the directory
      Path marker = Files.writeString(home(c, down, g).resolve("db").resolve("lifecycle-test.marker"), "x");
      long missedFrom = lastIndex(c, leader, g) + 1;

      List<Long> snapshots = new ArrayList<>();
      BooleanSupplier newSnapshot = () -> {
        long s = snapshotIndex(c, leader, g);
        if (s >= missedFrom && !snapshots.contains(s)) {
          snapshots.add(s);
        }
        return !snapshots.isEmpty();
      };
      writeUntil(m, live, newSnapshot);
      stepDown(c, r); // closes the log segment that holds what node `down` misses
      writeUntil(m, live, () -> newSnapshot.getAsBoolean() && snapshots.size() >= 3
          && logStart(c, leader, g) > missedFrom);
      long purgedBelow = logStart(c, leader, g);

      c.start(down);
      RaftVolume back = c.volume(down, "v");
      AtomicInteger refused = new AtomicInteger();
      int waves = 0;
      do { // the other two keep serving writes and reads while `down` catches up
        m.run(m.wave(WAVE), live);
        for (RaftVolume v : live) {
          m.spotCheck(v, 2, null);
        }
        m.spotCheck(back, 2, refused); // may refuse while it installs; never wrong
        waves++;
      } while (!caughtUp(c, down, g) && waves < 400);
      await().atMost(WAIT).until(() -> caughtUp(c, down, g));

      assertThat(marker).as("node %d's live database was rebuilt from an installed snapshot", down)
          .doesNotExist();
      assertThat(snapshotIndex(c, down, g)).as("node %d holds a snapshot covering the purged log", down)
          .isGreaterThanOrEqualTo(purgedBelow - 1);
      assertThat(snapshotDirs(c, down, g)).isNotEmpty();
      for (int n = 1; n <= 3; n++) {
        m.verify(c.volume(n, "v"), "node " + n + " after node " + down + " caught up");
      }
      m.run(2, WAVE, via(c, "v", down));
      m.run(m.compareWriteWave(WAVE), via(c, "v", down, leader));
      m.verify(back, "node " + down + " after writing through it");
    }
  }

  // ---------------------------------------------------------------- 3. wiped node

  /**
   * A node whose data directory was deleted starts again with the same id: it rejoins the
   * metadata group, re-adds its replica, catches up by snapshot install and serves exact reads.
   *
   * <p>It does not: it stays empty for as long as the leaders stay (the run below gives up after a
   * minute; it caught up only once the test closed node 1 and node 2 took over; a run passes only
   * if both leaders happen to change, e.g. a leader stepping down after a long JVM pause). A Ratis leader
   * never moves a follower's nextIndex below {@code matchIndex + 1}
   * ({@code LogAppenderBase.getNextIndexForInconsistency}): its FollowerInfo still has the match
   * index the node had before the wipe, so it keeps sending heartbeats after that index, the
   * empty node keeps answering INCONSISTENCY with nextIndex 0, and neither the metadata log nor,
   * later, the snapshot ever reaches it. ReplicationNode therefore has the empty replica dropped and
   * re-added (a new FollowerInfo); {@link #wipedNode_catchesUpBySnapshotOnceTheLeadersChange}
   * covers the other way out, a leader change.
   */
  @Test
  void wipedNode_rejoinsReAddsItsReplicaAndCatchesUpBySnapshot() throws Exception {
    wipeAndRejoin(false);
  }

  /** The wiped node catches up once each of its groups has a new leader (see above). */
  @Test
  void wipedNode_catchesUpBySnapshotOnceTheLeadersChange() throws Exception {
    wipeAndRejoin(true);
  }

  private void wipeAndRejoin(boolean newLeaders) throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, SNAPSHOT_BYTES).startAll()) {
      VolumeRecord r = create(c, "v", BLOCKS);
      RaftGroupId g = r.groupId();
      int leader = r.replicas().get(0);
      int wiped = r.replicas().get(2);
      VolumeModel m = new VolumeModel("v", BLOCKS, BS, seed(3));
      List<RaftVolume> all = via(c, "v", 1, 2, 3);
      writeUntil(m, all, () -> snapshotIndex(c, leader, g) > 0);
      stepDown(c, r); // a new term closes the segment, so the next snapshot purges it
      writeUntil(m, all, () -> logStart(c, leader, g) > 0);
      m.run(m.compareWriteWave(WAVE), all);
      long purgedBelow = logStart(c, leader, g);

      c.stop(wiped);
      deleteTree(c.dir(wiped));
      c.start(wiped);
      if (newLeaders) {
        stepDownMetadataLeader(c);
        stepDown(c, r);
      }
      await().atMost(WAIT).until(() -> c.node(wiped).volumeTable().contains(r));
      RaftVolume back = c.volume(wiped, "v");
      m.run(2, WAVE, via(c, "v", 1, 2));
      await().atMost(WAIT).until(() -> caughtUp(c, wiped, g));

      assertThat(snapshotIndex(c, wiped, g)).as("node %d got the purged prefix as a snapshot", wiped)
          .isGreaterThanOrEqualTo(purgedBelow - 1);
      m.verify(back, "wiped node " + wiped);
      m.run(2, WAVE, via(c, "v", wiped));
      m.run(m.compareWriteWave(WAVE), via(c, "v", wiped, leader));
      for (int n = 1; n <= 3; n++) {
        m.verify(c.volume(n, "v"), "node " + n + " after writing through the wiped node");
      }
    }
  }

  // ---------------------------------------------------------------- 4. kill -9

  /**
   * A replica's process dies by SIGKILL with applied entries only in RocksDB's memtables (the WAL
   * is off): replay from its Raft log and data log must rebuild exactly what every other replica
   * has.
   *
   * <p>The replica runs in a child JVM ({@link CrashNode}) so the kill is real: whatever the
   * process had written to files survives (page cache), its memory does not. Copying the data
   * directory of a running node instead is not a crash image: the files of a live RocksDB (and
   * Ratis's open segment) are copied at different moments, while flushes and compactions run.
   */
  @Test
  void killedReplica_replaysItsLogsToTheExactBytesOfTheOthers() throws Exception {
    long seed = seed(4);
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, SNAPSHOT_BYTES)) {
      int crashed = 3;
      c.start(1);
      c.start(2);
      try (CrashNode.Handle child = CrashNode.spawn(c, crashed, "v", dir.resolve("node3.log"))) {
        VolumeRecord r = create(c, "v", BLOCKS);
        RaftGroupId g = r.groupId();
        assertThat(r.replicas()).containsExactly(1, 2, 3);
        VolumeModel m = new VolumeModel("v", BLOCKS, BS, seed);
        List<RaftVolume> live = via(c, "v", 1, 2);
        // one snapshot (a checkpoint flushes the memtables), then a tail that stays in memory
        writeUntil(m, live, () -> child.snapshot() > 0);
        m.run(m.compareWriteWave(WAVE), live);
        m.run(4, WAVE, live);
        m.run(m.compareWriteWave(WAVE), live);
        long acknowledged = applied(c, 1, g);
        await().atMost(WAIT).until(() -> child.applied() >= acknowledged);

        // kill it while a wave is in flight
        List<VolumeModel.Op> wave = m.wave(WAVE);
        List<CompletableFuture<?>> inFlight = m.submit(wave, live);
        CompletableFuture.anyOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long appliedThere = child.kill();
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        m.acknowledged(wave);

        long stored = storedIndex(home(c, crashed, g).resolve("db"), "v");
        assertThat(stored).as("the kill lost applied entries that were only in the memtables (seed %d)", seed)
            .isLessThan(appliedThere);

        m.run(m.compareWriteWave(WAVE), live); // while it is down: plain catch-up, after the replay
        c.start(crashed);
        assertThat(logStart(c, crashed, g)).as("its own Raft log still holds what its database lost")
            .isLessThanOrEqualTo(stored + 1);
        await().atMost(WAIT).until(() -> caughtUp(c, crashed, g));
        for (int n = 1; n <= 3; n++) {
          m.verify(c.volume(n, "v"), "node " + n + " after node " + crashed + " was killed");
        }
        // every replica evaluates COMPARE AND WRITE on its own bytes: they must still agree
        m.run(m.compareWriteWave(WAVE), via(c, "v", crashed, 1, 2));
        m.run(m.compareWriteWave(WAVE), via(c, "v", crashed));
        for (int n = 1; n <= 3; n++) {
          m.verify(c.volume(n, "v"), "node " + n + " after COMPARE AND WRITE through node " + crashed);
        }
      }
    }
  }

  // ---------------------------------------------------------------- size-driven snapshots (bug)

  /**
   * A replica asks for a snapshot once {@code snapshotBytes} of payload were applied. With large
   * writes that is fewer than 1024 entries, Ratis's snapshot creation gap, so Ratis answers the
   * request without taking one ({@code RaftServerImpl.takeSnapshotAsync}: applied - last snapshot
   * index < creation gap). {@code VolumeStateMachine.applyTransaction} set its byte counter to
   * {@code Long.MIN_VALUE / 2} when it asked and only {@code takeSnapshot} resets it, so it never
   * asks again: no snapshot (and no purge of the Raft log or the data log) until Ratis's own
   * trigger at 200,000 entries, even after far more than 1024 small entries. With the 1 GiB of
   * the node daemon, writes of 1 MiB or more (1024 entries per GiB or fewer) hit this at once.
   */
  @Test
  void sizeDrivenSnapshots_keepComingWhenWritesAreLarge() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, 3, SNAPSHOT_BYTES).startAll()) {
      VolumeRecord r = create(c, "v", BLOCKS);
      int leader = r.replicas().get(0);
      VolumeModel m = new VolumeModel("v", BLOCKS, BS, seed(7));
      java.util.Random rnd = new java.util.Random(seed(7));
      for (int i = 0; i < 64; i++) { // 16 MiB = 8 x snapshotBytes, in 64 entries
        byte[] data = new byte[512 * BS];
        rnd.nextBytes(data);
        m.run(List.of(new VolumeModel.Write((i % 32) * 512L, 512, data)), via(c, "v", leader));
      }
      m.run(20, WAVE, via(c, "v", leader)); // and 1280 small entries: past the creation gap
      assertThat(snapshotIndex(c, leader, r.groupId()))
          .as("snapshot after %d MiB of payload in %d entries", m.payloadBytes() >> 20,
              lastIndex(c, leader, r.groupId()))
          .isPositive();
    }
  }

  // ---------------------------------------------------------------- concurrent reads (bug)

  /**
   * Reads and writes in flight together on the leader: every one must complete.
   *
   * <p>They do not: the volume's apply thread deadlocks (seen within seconds on the 2-core
   * machine). A linearizable read that had to wait for the apply is completed by Ratis on the
   * apply thread ({@code StateMachineUpdater} -> {@code ReadRequests.ReadIndexQueue.complete},
   * a {@code synchronized} method that completes the futures inline). {@link
   * io.blockraft.replication.volume.ReadBarrier} then starts the next round, for the reads that
   * arrived meanwhile, on that same thread: {@code RaftVolume.linearizableRead} calls {@code
   * RaftServer.submitClientRequestAsync}, which blocks ({@code RaftServerImpl
   * .executeSubmitClientRequestAsync} joins a task on Ratis's client executor). That task's read
   * waits for the apply too ({@code ReadRequests.waitToAdvance} -> {@code ReadIndexQueue.add}),
   * so it needs the queue's monitor, which the blocked apply thread holds. From then on the
   * group applies nothing: every write and read on the node hangs, and closing the node hangs in
   * {@code StateMachineUpdater.stopAndJoin}.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void concurrentReadsWhileWriting_neverBlockTheApplyThread() throws Exception {
    InProcessCluster c = new InProcessCluster(dir, 3, 3, 1L << 30).startAll();
    boolean stuck = true;
    try {
      VolumeRecord r = create(c, "v", BLOCKS);
      RaftVolume leader = c.volume(r.replicas().get(0), "v");
      java.util.Random rnd = new java.util.Random(seed(6));
      for (int round = 0; round < 40; round++) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          byte[] data = new byte[BS * (1 + rnd.nextInt(8))];
          rnd.nextBytes(data);
          all.add(leader.write(rnd.nextInt((int) BLOCKS - 8), data.length / BS, ByteBuffer.wrap(data)));
          if (i % 4 == 0) {
            all.add(leader.read(rnd.nextInt((int) BLOCKS - 8), 8, ByteBuffer.allocate(8 * BS)));
          }
        }
        try {
          CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("round " + round + ": I/O stuck for 30 s; the volume's apply threads:\n"
              + applyThreads(r.groupId()), e);
        }
      }
      stuck = false;
    } finally {
      if (!stuck) {
        c.close(); // a deadlocked apply thread cannot be joined: closing would hang
      }
    }
  }

  /** The stacks of the apply threads of group {@code g} on every node. */
  private static String applyThreads(RaftGroupId g) {
    StringBuilder b = new StringBuilder();
    String tag = g.toString().substring(Math.max(0, g.toString().length() - 12));
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().contains("StateMachineUpdater") && t.getName().contains(tag)) {
        b.append(t.getName()).append(' ').append(t.getState()).append('\n');
        for (int i = 0; i < Math.min(stack.length, 30); i++) {
          b.append("    at ").append(stack[i]).append('\n');
        }
      }
    });
    return b.toString();
  }

  // ---------------------------------------------------------------- helpers




  /** Runs mixed waves until {@code done} (checked after each wave); at most 400 waves. */
  private static void writeUntil(VolumeModel m, List<RaftVolume> via, BooleanSupplier done) throws Exception {
    for (int i = 0; !done.getAsBoolean(); i++) {
      assertThat(i).as("%s: waves written without reaching the condition (seed %d)", m.name(), m.seed())
          .isLessThan(400);
      m.run(m.wave(WAVE), via);
    }
  }

  /** Steps the leader down (a new term: every replica closes its open log segment). */
  private static void stepDown(InProcessCluster c, VolumeRecord r) throws Exception {
    int leader = awaitLeader(c, r.name());
    RaftServer.Division d = division(c, leader, r.groupId());
    long term = d.getInfo().getCurrentTerm();
    try (RaftClient client = RaftClient.newBuilder().setProperties(RatisSettings.client())
        .setRaftGroup(d.getGroup()).setLeaderId(d.getId()).build()) {
      RaftClientReply reply = client.admin().transferLeadership(null, 10_000);
      assertThat(reply.isSuccess()).as("step down: %s", reply).isTrue();
    }
    await().atMost(WAIT).until(() -> division(c, leader, r.groupId()).getInfo().getCurrentTerm() > term);
    awaitPreferredLeader(c, r);
  }

  /** Steps the metadata group's leader down and waits for a leader of a later term. */
  private static void stepDownMetadataLeader(InProcessCluster c) throws Exception {
    List<RaftPeer> peers = c.members.stream().map(mb -> mb.peer(0)).toList();
    int leader = await().atMost(WAIT).until(() -> metadataLeader(c), n -> n > 0);
    long term = division(c, leader, ReplicationNode.METADATA_GROUP).getInfo().getCurrentTerm();
    try (RaftClient client = RaftClient.newBuilder().setProperties(RatisSettings.client())
        .setRaftGroup(RaftGroup.valueOf(ReplicationNode.METADATA_GROUP, peers))
        .setLeaderId(ReplicationNode.Member.peerId(leader)).build()) {
      RaftClientReply reply = client.admin().transferLeadership(null, 10_000);
      assertThat(reply.isSuccess()).as("metadata step down: %s", reply).isTrue();
    }
    await().atMost(WAIT).until(() -> {
      int now = metadataLeader(c);
      return now > 0 && division(c, now, ReplicationNode.METADATA_GROUP).getInfo().getCurrentTerm() > term
          && division(c, now, ReplicationNode.METADATA_GROUP).getInfo().isLeaderReady();
    });
  }

  private static int metadataLeader(InProcessCluster c) {
    for (ReplicationNode.Member mb : c.members) {
      ReplicationNode n = c.node(mb.id());
      if (n != null && division(c, mb.id(), ReplicationNode.METADATA_GROUP).getInfo().isLeader()) {
        return mb.id();
      }
    }
    return -1;
  }




  private static long applied(InProcessCluster c, int node, RaftGroupId g) {
    return division(c, node, g).getInfo().getLastAppliedIndex();
  }

  /** The replica on {@code node} has applied everything every other live replica has. */
  private static boolean caughtUp(InProcessCluster c, int node, RaftGroupId g) {
    ReplicationNode n = c.node(node);
    if (n == null || n.machine("v") == null) {
      return false;
    }
    long mine = applied(c, node, g);
    for (int other = 1; other <= 3; other++) {
      if (other != node && c.node(other) != null && applied(c, other, g) > mine) {
        return false;
      }
    }
    return true;
  }

  private static long lastIndex(InProcessCluster c, int node, RaftGroupId g) {
    TermIndex last = division(c, node, g).getRaftLog().getLastEntryTermIndex();
    return last == null ? -1 : last.getIndex();
  }

  private static long logStart(InProcessCluster c, int node, RaftGroupId g) {
    return division(c, node, g).getRaftLog().getStartIndex();
  }

  private static long snapshotIndex(InProcessCluster c, int node, RaftGroupId g) {
    SnapshotInfo s = division(c, node, g).getStateMachine().getLatestSnapshot();
    return s == null ? -1 : s.getIndex();
  }

  private static Path home(InProcessCluster c, int node, RaftGroupId g) {
    return c.dir(node).resolve("volumes").resolve(g.getUuid().toString());
  }

  /** The snapshot directories Ratis keeps for the group on {@code node}. */
  private static List<Path> snapshotDirs(InProcessCluster c, int node, RaftGroupId g) throws IOException {
    Path sm = c.dir(node).resolve("raft").resolve(g.getUuid().toString()).resolve("sm");
    try (Stream<Path> s = Files.list(sm)) {
      return s.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
    }
  }

  /** The applied index a replica's live database holds (opened while the replica is down). */
  private static long storedIndex(Path db, String volume) {
    try (RocksBlockStore st = RocksBlockStore.open(db, RocksConfig.singleNode().withWal(false)
        .withBlockCache(8 * RocksConfig.MIB))) {
      byte[] b = st.volume(volume).map(v -> v.getMeta("raft.applied")).orElse(null);
      return b == null ? -1 : ByteBuffer.wrap(b).getLong(8);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
