package io.blockraft.target.node;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One node of a {@link LocalProcessCluster}: a child JVM running {@code Cli node --config FILE},
 * its output appended to its log. Stop it cleanly ({@link #stop}), kill it the hard way ({@link
 * #kill9}) and start it again on the same config and data ({@link #restart}).
 */
public final class NodeProcess {
  private static final Duration KILL_WAIT = Duration.ofSeconds(30);
  private static final int PROBE_MILLIS = 500;
  private static final int POLL_MILLIS = 200;
  /** Starts the line written to the log before each start of the node. */
  private static final String START_MARK = "--- ";

  private final LocalProcessCluster cluster;
  private final NodeConfig config;
  private final Path configFile;
  private final Path log;
  private Process process;
  /** Set before this side stops or kills the process, so its exit is not reported. */
  private boolean exitExpected;
  /** Set once the portal answered; only a serving node's exit is reported as unexpected. */
  private boolean serving;
  /** Where in the log the current run's output not yet searched for the serving line starts. */
  private long scanFrom;

  NodeProcess(LocalProcessCluster cluster, NodeConfig config, Path configFile, Path log) {
    this.cluster = cluster;
    this.config = config;
    this.configFile = configFile;
    this.log = log;
  }

  /** The node id, k for the node on 127.0.0.k. */
  public int id() {
    return config.nodeId();
  }

  /** Its config as the node reads it (the cluster's port applied). */
  public NodeConfig config() {
    return config;
  }

  public Path configFile() {
    return configFile;
  }

  /** Where its stdout and stderr go (appended across restarts). */
  public Path log() {
    return log;
  }

  public String portalHost() {
    return config.portalHost();
  }

  public int portalPort() {
    return config.portalPort();
  }

  /** {@code host:port} of its iSCSI portal. */
  public String portal() {
    return NodeConfig.hostPort(config.portalHost(), config.portalPort());
  }

  /** {@code host:port} of its Raft endpoint, or null for a single node. */
  public String raftAddress() {
    return config.raft() == null ? null : config.raft().address();
  }

  /** iscsi:// URLs of every LUN of every target, through this node's portal. */
  public List<String> lunUrls() {
    return config.lunUrls(config.portalPort());
  }

  /** Process id of the current (or last) process; -1 before the first start. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** Exit status of the last process, empty while it runs (or before the first start). */
  public synchronized OptionalInt exitStatus() {
    return process == null || process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** SIGKILL, no shutdown hook runs; returns once the process is gone. */
  public void kill9() {
    Process p = expectExit();
    if (p != null) {
      p.destroyForcibly();
      waitGone(p, KILL_WAIT);
    }
  }

  /**
   * SIGTERM (the node closes its portal, Raft server and store), waiting up to the cluster's
   * stop timeout, then SIGKILL. Returns the exit status (143 after a clean SIGTERM stop).
   */
  public int stop() {
    Process p = expectExit();
    if (p == null) {
      return -1;
    }
    p.destroy();
    awaitStopped(p, Instant.now().plus(cluster.settings().stopTimeout()));
    return p.exitValue();
  }

  /**
   * Stops the node if it runs ({@link #stop}), starts it again on the same config, data and
   * port, and waits until its portal accepts connections (up to the cluster's start timeout).
   */
  public void restart() {
    if (alive()) {
      stop();
    }
    launch();
    try {
      awaitServing(Instant.now().plus(cluster.settings().startTimeout()));
    } catch (RuntimeException e) {
      kill9();
      throw e;
    }
  }

  /** The last {@code lines} lines of the log. */
  public String logTail(int lines) {
    return tail(lines, false);
  }

  /** The last lines of the log, of the current run only when {@code thisRun}. */
  private String tail(int lines, boolean thisRun) {
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = f.length();
      int n = (int) Math.min(len, 32 * 1024);
      byte[] b = new byte[n];
      f.seek(len - n);
      f.readFully(b);
      List<String> all = Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\\R"));
      int from = Math.max(0, all.size() - lines);
      if (thisRun) {
        for (int i = all.size() - 1; i >= from; i--) {
          if (all.get(i).startsWith(START_MARK)) {
            from = i + 1;
            break;
          }
        }
      }
      return String.join("\n", all.subList(from, all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** {@code java <opts> -cp <cp> Cli node --config FILE --portal-port P --parent-pid ME}. */
  static List<String> command(LocalProcessCluster.Settings s, Path configFile, int portalPort,
      long parentPid) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(s.javaOptions());
    cmd.addAll(List.of("-cp", s.classPath(), Cli.class.getName(), "node",
        "--config", configFile.toString(),
        "--portal-port", Integer.toString(portalPort),
        "--parent-pid", Long.toString(parentPid)));
    return cmd;
  }

  /** Starts the process (it must not be running, and nothing may hold its portal). */
  synchronized void launch() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("node " + id() + " is already running (pid " + process.pid() + ")");
    }
    if (portalAccepts()) {
      throw new IllegalStateException("node " + id() + ": " + portal() + " already accepts connections;"
          + " is a node from an earlier run still up? Stop it, or choose another --base-port");
    }
    try {
      Files.writeString(log, START_MARK + Instant.now() + " local-cluster starts node " + id() + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      scanFrom = Files.size(log);
      Process p = new ProcessBuilder(command(cluster.settings(), configFile, config.portalPort(),
              ProcessHandle.current().pid())).redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(log.toFile())).start();
      p.getOutputStream().close();
      process = p;
      exitExpected = false;
      serving = false;
      p.onExit().thenAccept(this::exited);
    } catch (IOException e) {
      throw new IllegalStateException("node " + id() + ": cannot start java (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Polls until the node has printed its serving line ({@link Cli#servingLine}: start-up done)
   * and its portal accepts a TCP connection; fails if the process exits or time runs out.
   */
  void awaitServing(Instant deadline) {
    Process p;
    synchronized (this) {
      p = process;
    }
    boolean started = false;
    while (true) {
      if (!p.isAlive()) {
        throw new IllegalStateException("node " + id() + " exited with status " + p.exitValue()
            + " while starting; the end of " + log + ":\n" + indent(tail(15, true)));
      }
      started = started || servingLineLogged();
      if (started && portalAccepts() && p.isAlive()) {
        synchronized (this) {
          serving = process == p;
        }
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("node " + id() + " did not come up within "
            + cluster.settings().startTimeout().toSeconds() + " s (pid " + p.pid() + " still running; "
            + (started ? "it finished starting but its portal " + portal() + " refuses connections"
                : "it has not finished starting") + "); see " + log + ", which ends:\n"
            + indent(tail(15, true)));
      }
      try {
        p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS); // a pause that ends early if the node exits
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for node " + id(), e);
      }
    }
  }

  /** Whether this run's log has the line {@code node K serving on ...} (searching only new output). */
  private synchronized boolean servingLineLogged() {
    byte[] line = ("node " + id() + " serving on ").getBytes(StandardCharsets.UTF_8);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = f.length();
      if (len <= scanFrom) {
        return false;
      }
      byte[] b = new byte[(int) Math.min(len - scanFrom, 1 << 20)];
      f.seek(scanFrom);
      f.readFully(b);
      String text = new String(b, StandardCharsets.ISO_8859_1);
      if (text.contains(new String(line, StandardCharsets.ISO_8859_1))) {
        return true;
      }
      scanFrom += Math.max(0, b.length - line.length); // the line may be half written
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGTERM without waiting (the cluster stops all nodes at once). */
  void sigterm() {
    Process p = expectExit();
    if (p != null) {
      p.destroy();
    }
  }

  void awaitStopped(Instant deadline) {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p != null) {
      awaitStopped(p, deadline);
    }
  }

  private void awaitStopped(Process p, Instant deadline) {
    try {
      long left = Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
      if (p.waitFor(left, TimeUnit.MILLISECONDS)) {
        return;
      }
      cluster.settings().events().accept("node " + id() + " (pid " + p.pid() + ") did not stop within "
          + cluster.settings().stopTimeout().toSeconds() + " s of SIGTERM; killing it");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p.destroyForcibly();
    waitGone(p, KILL_WAIT);
  }

  private static void waitGone(Process p, Duration limit) {
    try {
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("pid " + p.pid() + " still running " + limit.toSeconds() + " s after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized Process expectExit() {
    exitExpected = true;
    serving = false;
    return process != null && process.isAlive() ? process : null;
  }

  private void exited(Process p) {
    synchronized (this) {
      if (p != process || exitExpected || !serving) {
        return; // asked for, superseded by a restart, or reported by awaitServing
      }
      serving = false;
    }
    cluster.settings().events().accept("node " + id() + " (pid " + p.pid() + ") exited with status "
        + p.exitValue() + "; the other nodes keep running. The end of " + log + ":\n" + indent(tail(5, true)));
    cluster.unexpectedExit();
  }

  private boolean portalAccepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(config.portalHost(), config.portalPort()), PROBE_MILLIS);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String indent(String text) {
    return text.lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
  }

  @Override
  public String toString() {
    return "node " + id() + " (" + portal() + ", pid " + pid() + ")";
  }
}
