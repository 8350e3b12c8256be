package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blockraft.target.node.LocalCluster;
import io.blockraft.target.node.LocalProcessCluster;
import io.blockraft.target.node.NodeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes on 127.0.0.1, .2 and .3 ({@link LocalProcessCluster}, what {@code
 * blockraft local-cluster --nodes 3} runs), end to end:
 *
 * <ul>
 *   <li>the processes: every portal serves, kill -9 and restart of one node, a node killed from
 *       outside is reported, SIGTERM stops a node cleanly, and closing the cluster leaves no
 *       process behind;
 *   <li>the data (issue 3): 32 MiB of seeded random data written with {@code qemu-img convert}
 *       through node 1's portal read back byte-exact through nodes 2 and 3; lun0's leader (from
 *       the node logs, {@link ClusterLeaders}) killed with SIGKILL and a new one elected; 16 MiB
 *       more written through a survivor; the killed node restarted; all 48 MiB read back through
 *       it;
 *   <li>reservations: a persistent reservation taken or released through one node fences, or
 *       stops fencing, writes through another at once; an SPC-2 reservation held through a node
 *       killed with SIGKILL is released once the volume's leader finds that node dead.
 * </ul>
 */
class ThreeNodeIT {
  private static final int MIB = 1 << 20;
  private static final String IQN = LocalCluster.TARGET;

  @TempDir
  Path dir;

  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private LocalProcessCluster cluster;

  private LocalProcessCluster startCluster() throws IOException {
    Path data = dir.resolve("data");
    int port = freeBasePort(3);
    cluster = LocalProcessCluster.start(data, port, 3, LocalProcessCluster.Settings.defaults()
        .withEvents(line -> {
          events.add(line);
          System.out.println("[cluster] " + line);
        }));
    return cluster;
  }

  @AfterEach
  void stopCluster(TestInfo test) throws IOException {
    if (cluster == null) {
      return;
    }
    closeAndCheckNothingIsLeft();
    keepLogs(test.getTestMethod().map(m -> m.getName()).orElse("three-node"));
  }

  /** Closes the cluster: afterwards no node process is left, this JVM has no such child. */
  private void closeAndCheckNothingIsLeft() {
    Set<Long> pids = cluster.nodes().stream().map(NodeProcess::pid).collect(Collectors.toSet());
    cluster.close();
    assertThat(cluster.nodes()).noneMatch(NodeProcess::alive);
    assertThat(ProcessHandle.current().descendants().filter(p -> pids.contains(p.pid()))
        .map(ProcessHandle::pid)).as("node processes left after close").isEmpty();
  }

  @Test
  void threeNodeProcesses_serve_surviveKill9AndRestart_andStopCleanly() throws Exception {
    startCluster();
    List<NodeProcess> nodes = cluster.nodes();

    assertThat(nodes).extracting(NodeProcess::portal).containsExactly(
        "127.0.0.1:" + cluster.basePort(), "127.0.0.2:" + cluster.basePort(), "127.0.0.3:" + cluster.basePort());
    assertThat(nodes).extracting(NodeProcess::pid).doesNotHaveDuplicates()
        .allSatisfy(pid -> assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).contains(pid));
    for (NodeProcess n : nodes) {
      assertThat(portalAccepts(n)).as("%s accepts connections", n).isTrue();
      assertThat(Files.readString(n.log())).contains("node " + n.id() + " serving on " + n.portal());
    }

    // kill -9 and restart node 2: a new process on the same config, data and port
    NodeProcess two = cluster.node(2);
    long killed = two.pid();
    two.kill9();
    assertThat(two.alive()).isFalse();
    assertThat(two.exitStatus()).hasValue(137);
    assertThat(cluster.node(1).alive() && cluster.node(3).alive()).isTrue();
    two.restart();
    assertThat(two.pid()).isNotEqualTo(killed);
    assertThat(portalAccepts(two)).isTrue();
    assertThat(Files.readString(two.log()).split("local-cluster starts node 2", -1))
        .as("one log, appended across restarts").hasSize(3);

    // a node killed from outside is reported, and the others keep serving
    long three = cluster.node(3).pid();
    ProcessHandle.of(three).orElseThrow().destroyForcibly();
    await("the cluster reports node 3's death").atMost(Duration.ofSeconds(30))
        .until(() -> events.stream().anyMatch(e -> e.startsWith("node 3 (pid " + three + ") exited with status 137")));
    assertThat(cluster.node(1).alive() && cluster.node(2).alive()).isTrue();
    assertThat(cluster.allExited()).isNotDone();
    cluster.node(3).restart();

    // SIGTERM stops a node cleanly (its shutdown hook closes portal and store)
    NodeProcess one = cluster.node(1);
    assertThat(one.stop()).isIn(0, 143);
    assertThat(Files.readString(one.log())).contains("node 1 stopped");
    one.restart();
    assertThat(cluster.nodes()).allMatch(NodeProcess::alive);

    // closing stops all three (SIGTERM) and leaves no process behind; nothing was reported as a crash
    closeAndCheckNothingIsLeft();
    assertThat(cluster.nodes()).allSatisfy(n -> assertThat(n.exitStatus()).hasValue(143));
    assertThat(events).filteredOn(e -> e.contains("exited with status")).hasSize(1);
  }

  /**
   * Issue 3's end-to-end check. Needs the replication wiring in BlockraftNode: until each volume
   * is a Raft group across the three nodes, node 2 reads zeros where node 1 was written.
   */
  @Test
  void dataWrittenThroughNode1_readsBackThroughNodes2And3_andSurvivesKill9OfTheLeader() throws Exception {
    ItSupport.requireQemuIscsi();
    Path first = QemuImgRoundTripIT.randomFile(dir.resolve("first.raw"), 32, 0x3_0de5_eedL);
    Path second = QemuImgRoundTripIT.randomFile(dir.resolve("second.raw"), 16, 0x3_0de5_eee2L);
    startCluster();
    for (NodeProcess n : cluster.nodes()) {
      awaitLun0Opens(n);
    }

    QemuImgRoundTripIT.write(first, lun0(cluster.node(1)));
    for (int k : new int[] {2, 3}) {
      Path out = dir.resolve("read-" + k + ".raw");
      QemuImgRoundTripIT.read(lun0(cluster.node(k)), out, 32);
      assertThat(Files.mismatch(first, out)).as("first differing byte read through node %d", k).isEqualTo(-1L);
    }

    // the node that leads lun0's Raft group: the one all three nodes' logs name as the latest leader
    NodeProcess leader = ClusterLeaders.awaitAgreed(cluster, "lun0", Duration.ofMinutes(1));
    System.out.println("before the kill: " + ClusterLeaders.view(cluster, "lun0"));
    NodeProcess survivor = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    leader.kill9();
    writeAt(second, 32L * MIB, survivor); // at once: the write rides out the election
    NodeProcess next = ClusterLeaders.awaitAgreed(cluster, "lun0", Duration.ofMinutes(1));
    System.out.println("after killing " + leader + " and writing through " + survivor + ": "
        + ClusterLeaders.view(cluster, "lun0") + "; new leader " + next);
    leader.restart();

    Path all = dir.resolve("read-all.raw");
    // the restarted node may answer NOT READY until it has caught up: retry the read, not the check
    await("a read of 48 MiB through the restarted " + leader).atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> ItSupport.run(QemuImgRoundTripIT.LIMIT, null, "qemu-img", "dd", "-f", "raw",
            "-O", "raw", "bs=1M", "count=48", "if=" + lun0(leader), "of=" + replace(all)).exitCode() == 0);
    byte[] got = Files.readAllBytes(all);
    assertThat(got).hasSize(48 * MIB);
    assertThat(Arrays.mismatch(got, 0, 32 * MIB, Files.readAllBytes(first), 0, 32 * MIB))
        .as("first differing byte of the 32 MiB written before the kill").isEqualTo(-1);
    assertThat(Arrays.mismatch(got, 32 * MIB, 48 * MIB, Files.readAllBytes(second), 0, 16 * MIB))
        .as("first differing byte of the 16 MiB written through %s after the kill", survivor).isEqualTo(-1);
  }

  /**
   * Cluster-wide reservations, at once: initiator A, through one node, takes a Write Exclusive
   * persistent reservation and releases it, 20 times; initiator B, registered through another node,
   * writes right after each GOOD and must see RESERVATION CONFLICT while A holds it and GOOD once
   * A released it. First with A on lun0's leader and B on a follower, then the other way round. A
   * reservation change answers only once every replica has applied it (Reservations.everywhere);
   * before, B's write could reach its node between the change's commit and its apply there.
   */
  @Test
  void reservationThroughOneNode_fencesWritesThroughAnotherAtOnce() throws Exception {
    startCluster();
    for (NodeProcess n : cluster.nodes()) {
      awaitLun0Opens(n);
    }
    NodeProcess leader = ClusterLeaders.awaitAgreed(cluster, "lun0", Duration.ofMinutes(1));
    NodeProcess follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    fence(leader, follower, 1);
    fence(follower, leader, 2);
    spc2ReservationLostInACrash(follower, leader);
  }

  /**
   * A RESERVE(6) through {@code crashing}, which is then killed with SIGKILL (no nexus loss is
   * ever sent): right after, the reservation still fences the other initiator's writes through
   * {@code other}; once the volume's leader has not heard from the dead node for Ratis's slowness
   * timeout (10 s) it releases the reservation, as on nexus loss, and those writes succeed
   * without the dead node coming back. (A node that restarts first releases it itself:
   * ReservationsReplicationTest.)
   */
  private static void spc2ReservationLostInACrash(NodeProcess crashing, NodeProcess other) throws Exception {
    LoopbackInitiator a = new LoopbackInitiator(crashing.portalHost(), crashing.portalPort(), 3,
        "iqn.2026-11.io.blockraft.test:spc2-a");
    try (LoopbackInitiator b = new LoopbackInitiator(other.portalHost(), other.portalPort(), 3,
        "iqn.2026-11.io.blockraft.test:spc2-b")) {
      assertThat(a.login(IQN)).isTrue();
      assertThat(b.login(IQN)).isTrue();
      for (LoopbackInitiator i : List.of(a, b)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> status(i.scsiRead(0, new byte[6], new byte[0])) == 0);
      }
      assertThat(status(a.scsiRead(0, new byte[] {0x16, 0, 0, 0, 0, 0}, new byte[0]))).as("A: RESERVE(6)").isZero();
      byte[] block = new byte[512];
      assertThat(status(b.scsiWrite(0, write10(7), block))).as("B writes while A holds it")
          .isEqualTo(RESERVATION_CONFLICT);
      crashing.kill9();
      a.close();
      assertThat(status(b.scsiWrite(0, write10(7), block))).as("B writes right after A's node died")
          .isEqualTo(RESERVATION_CONFLICT);
      await("B's write through " + other + " once " + crashing + " is found dead").atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(500)).until(() -> status(b.scsiWrite(0, write10(7), block)) == 0);
    }
  }

  private static final int RESERVATION_CONFLICT = 0x18;

  /** One round of {@link #reservationThroughOneNode_fencesWritesThroughAnotherAtOnce}. */
  private static void fence(NodeProcess holderNode, NodeProcess otherNode, int round) throws Exception {
    long keyA = 0xA0 + round;
    long keyB = 0xB0 + round;
    try (LoopbackInitiator a = new LoopbackInitiator(holderNode.portalHost(), holderNode.portalPort(), round,
            "iqn.2026-11.io.blockraft.test:fence-a" + round);
        LoopbackInitiator b = new LoopbackInitiator(otherNode.portalHost(), otherNode.portalPort(), round,
            "iqn.2026-11.io.blockraft.test:fence-b" + round)) {
      assertThat(a.login(IQN)).isTrue();
      assertThat(b.login(IQN)).isTrue();
      for (LoopbackInitiator i : List.of(a, b)) { // past the power-on unit attention
        await().atMost(Duration.ofSeconds(30)).until(() -> status(i.scsiRead(0, new byte[6], new byte[0])) == 0);
      }
      assertThat(status(a.scsiWrite(0, prOut(0x00), prParams(0, keyA)))).as("A registers").isZero();
      assertThat(status(b.scsiWrite(0, prOut(0x00), prParams(0, keyB)))).as("B registers").isZero();
      byte[] block = new byte[512];
      for (int i = 0; i < 20; i++) {
        String where = "round " + round + " (A via " + holderNode + ", B via " + otherNode + "), iteration " + i;
        assertThat(status(a.scsiWrite(0, prOut(0x01), prParams(keyA, 0)))).as("A reserves, %s", where).isZero();
        assertThat(status(b.scsiWrite(0, write10(i), block))).as("B writes while A holds it, %s", where)
            .isEqualTo(RESERVATION_CONFLICT);
        assertThat(status(a.scsiWrite(0, prOut(0x02), prParams(keyA, 0)))).as("A releases, %s", where).isZero();
        assertThat(status(b.scsiWrite(0, write10(i), block))).as("B writes after the release, %s", where).isZero();
      }
      // leave no registrations for the next round or test
      assertThat(status(a.scsiWrite(0, prOut(0x00), prParams(keyA, 0)))).as("A unregisters").isZero();
      assertThat(status(b.scsiWrite(0, prOut(0x00), prParams(keyB, 0)))).as("B unregisters").isZero();
    }
  }

  /** The SCSI status of a SCSI Response (or of a final Data-In with status). */
  private static int status(LoopbackInitiator.In r) {
    return r.u8(3);
  }

  /** PERSISTENT RESERVE OUT (SPC-4 6.16), scope LU, type Write Exclusive, 24 parameter bytes. */
  private static byte[] prOut(int serviceAction) {
    return new byte[] {0x5f, (byte) serviceAction, 0x01, 0, 0, 0, 0, 0, 24, 0};
  }

  /** The basic PERSISTENT RESERVE OUT parameter list: reservation key, service action key. */
  private static byte[] prParams(long key, long serviceActionKey) {
    return java.nio.ByteBuffer.allocate(24).putLong(key).putLong(serviceActionKey).array();
  }

  /** WRITE(10) of one 512-byte block at LBA {@code lba}. */
  private static byte[] write10(int lba) {
    return new byte[] {0x2a, 0, 0, 0, (byte) (lba >>> 8), (byte) lba, 0, 0, 1, 0};
  }

  /**
   * Until LUN 0 opens through {@code n} ({@code qemu-img info}: login, INQUIRY, READ CAPACITY): a
   * node may answer NOT READY for a moment after start-up while its volume's group elects a leader.
   */
  private static void awaitLun0Opens(NodeProcess n) {
    await("LUN 0 opens through " + n).atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
        .until(() -> ItSupport.run(Duration.ofSeconds(30), null, "qemu-img", "info", lun0(n)).exitCode() == 0);
  }

  private static String lun0(NodeProcess n) {
    return "iscsi://" + n.portal() + "/" + IQN + "/0";
  }

  /** {@code qemu-img convert} of {@code file} into LUN 0 at byte {@code offset}, through {@code n}. */
  private static void writeAt(Path file, long offset, NodeProcess n) throws Exception {
    String target = "driver=raw,offset=" + offset + ",size=" + Files.size(file)
        + ",file.driver=iscsi,file.transport=tcp,file.portal=" + n.portal() + ",file.target=" + IQN
        + ",file.lun=0";
    ItSupport.runOk(QemuImgRoundTripIT.LIMIT, null, "qemu-img", "convert", "-n", "-f", "raw",
        "--target-image-opts", file.toString(), target);
  }

  private static Path replace(Path out) throws IOException {
    Files.deleteIfExists(out);
    return out;
  }

  private static boolean portalAccepts(NodeProcess n) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(n.portalHost(), n.portalPort()), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A base port whose PORT, PORT+1 and PORT+2 are free on 127.0.0.1 .. 127.0.0.n, below the
   * ephemeral range (so no client socket takes one between a kill and a restart).
   */
  static int freeBasePort(int n) throws IOException {
    Random random = new Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 20000 + 3 * random.nextInt(4000);
      if (allFree(base, n)) {
        return base;
      }
    }
    throw new IOException("no free base port for " + n + " nodes in 20000-32000");
  }

  private static boolean allFree(int base, int n) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int k = 1; k <= n; k++) {
        for (int p = base; p < base + 3; p++) {
          ServerSocket s = new ServerSocket();
          held.add(s);
          s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + k), p), 1);
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a probe socket
        }
      }
    }
  }

  /** Copies the node logs to the module's it/ directory (the temp dir goes away). */
  private void keepLogs(String test) throws IOException {
    Path to = ItSupport.buildDir();
    for (NodeProcess n : cluster.nodes()) {
      if (Files.exists(n.log())) {
        Files.copy(n.log(), to.resolve("ThreeNodeIT." + test + "." + n.log().getFileName()),
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
