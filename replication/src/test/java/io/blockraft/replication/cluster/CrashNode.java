package io.blockraft.replication.cluster;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.storage.RocksConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * One node in a child JVM, so that a test can kill it with SIGKILL. It prints {@code applied
 * <index> <snapshot index>} for the volume it is told to watch whenever that changes, and halts
 * when its stdin closes (the test died).
 */
final class CrashNode {

  /** args: self, data dir, snapshot bytes, volume, then one {@code id:port} per member. */
  public static void main(String[] args) throws Exception {
    int self = Integer.parseInt(args[0]);
    List<ReplicationNode.Member> members = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      String[] m = args[i].split(":");
      members.add(new ReplicationNode.Member(Integer.parseInt(m[0]), "127.0.0.1", Integer.parseInt(m[1])));
    }
    // a large cache: the write buffer manager (half of it) must not flush the memtables early
    ReplicationNode node = ReplicationNode.start(new ReplicationNode.Options(self, members, Path.of(args[1]), 3,
        RocksConfig.singleNode().withBlockCache(256 * RocksConfig.MIB), Long.parseLong(args[2])),
        new MetaTransforms(), Executors.newFixedThreadPool(4));
    String volume = args[3];
    ScheduledExecutorService report = Executors.newSingleThreadScheduledExecutor();
    AtomicLong last = new AtomicLong(Long.MIN_VALUE);
    report.scheduleWithFixedDelay(() -> {
      var sm = node.machine(volume);
      TermIndex ti = sm == null ? null : sm.getLastAppliedTermIndex();
      SnapshotInfo s = sm == null ? null : sm.getLatestSnapshot();
      long applied = ti == null ? -1 : ti.getIndex();
      long snap = s == null ? -1 : s.getIndex();
      if (applied * 31 + snap != last.getAndSet(applied * 31 + snap)) {
        System.out.println("applied " + applied + " " + snap);
        System.out.flush();
      }
    }, 0, 5, TimeUnit.MILLISECONDS);
    while (System.in.read() >= 0) {
      // the test holds stdin open while it wants this node
    }
    Runtime.getRuntime().halt(3);
  }

  /** The test's side of a child node. */
  static final class Handle implements AutoCloseable {
    private final Process process;
    private final AtomicLong applied = new AtomicLong(-1);
    private final AtomicLong snapshot = new AtomicLong(-1);

    private Handle(Process process) {
      this.process = process;
      Thread t = new Thread(this::readReports, "crash-node-reports");
      t.setDaemon(true);
      t.start();
    }

    private void readReports() {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          String[] f = line.split(" ");
          if (f.length == 3 && f[0].equals("applied")) {
            applied.set(Long.parseLong(f[1]));
            snapshot.set(Long.parseLong(f[2]));
          }
        }
      } catch (IOException e) {
        // the process is gone
      }
    }

    long applied() {
      return applied.get();
    }

    long snapshot() {
      return snapshot.get();
    }

    /** SIGKILL; returns the last applied index the node reported. */
    long kill() throws InterruptedException {
      long last = applied.get();
      process.destroyForcibly();
      process.waitFor();
      return last;
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }

  static Handle spawn(InProcessCluster c, int self, String volume, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), CrashNode.class.getName(),
        String.valueOf(self), c.dir(self).toString(), String.valueOf(ClusterLifecycleTest.SNAPSHOT_BYTES), volume));
    c.members.forEach(m -> cmd.add(m.id() + ":" + m.port()));
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    return new Handle(p);
  }
}
