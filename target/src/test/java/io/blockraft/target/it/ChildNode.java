package io.blockraft.target.it;

import static org.awaitility.Awaitility.await;

import io.blockraft.target.node.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code blockraft local-cluster} in a child JVM (same class path as the test), for tests that
 * need to kill the node the hard way. Output goes to a log file; the node is ready once it
 * printed its LUN URLs.
 */
final class ChildNode implements AutoCloseable {
  static final String READY = "Ctrl-C stops the node.";

  private final Process process;
  private final Path log;

  private ChildNode(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ChildNode localCluster(Path data, int port, Path log) throws IOException {
    Files.deleteIfExists(log);
    Process p = ItSupport.childJvm(Cli.class.getName(), List.of("local-cluster", "--nodes", "1",
            "--base-port", Integer.toString(port), "--data", data.toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ChildNode node = new ChildNode(p, log);
    await("node ready (log " + log + ")").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> node.output().contains(READY) || !p.isAlive());
    if (!p.isAlive()) {
      throw new IllegalStateException("node exited with " + p.exitValue() + ":\n" + node.output());
    }
    return node;
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** SIGKILL: no shutdown hook, no flush, nothing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits; returns the exit status. */
  int terminate(Duration limit) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("node did not stop within " + limit + " of SIGTERM");
    }
    return process.exitValue();
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
