package io.blockraft.target.node;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * N blockraft nodes on this machine, each a separate JVM process: what {@code blockraft
 * local-cluster --nodes 3} runs, and what the multi-node integration tests drive (kill -9 a node,
 * restart it, stop it cleanly).
 *
 * <p>{@link #start} writes the configs that are missing ({@code DIR/node{k}.json}, see {@link
 * LocalCluster}), starts every node as {@code java <opts> -cp <class path> }{@link Cli}{@code
 * node --config DIR/node{k}.json}, its output appended to {@code DIR/node{k}.log}, and returns
 * once every node has finished starting (it prints {@code node k serving on ...}) and its portal
 * (127.0.0.k:PORT) accepts a TCP connection. A node that exits or does not come
 * up in time fails the start with its exit status and the end of its log, and the nodes already
 * started are stopped again. Each child also watches this process: if it disappears (even by
 * SIGKILL), the children stop themselves instead of holding ports and data directories.
 *
 * <p>After the start, a node that exits without being asked to is reported through {@link
 * Settings#events()}; the others keep running. {@link #close} stops every node: SIGTERM to all,
 * then SIGKILL to any still running after {@link Settings#stopTimeout()}.
 */
public final class LocalProcessCluster implements AutoCloseable {
  /** Environment variable with the node JVMs' options (whitespace-separated). */
  public static final String NODE_JAVA_OPTS_ENV = "BLOCKRAFT_NODE_JAVA_OPTS";
  /** Node JVM options when {@value #NODE_JAVA_OPTS_ENV} is unset or empty. */
  public static final List<String> DEFAULT_NODE_JAVA_OPTS = List.of("-Xms128m", "-Xmx384m",
      "-XX:MaxDirectMemorySize=192m", "-XX:+UseG1GC", "-Dio.netty.leakDetection.level=disabled");

  /**
   * How nodes are started and watched.
   *
   * @param javaOptions options of each node JVM (before {@code -cp})
   * @param classPath the nodes' class path
   * @param startTimeout how long all nodes may take to come up (and one node to restart)
   * @param stopTimeout how long nodes get after SIGTERM before they are killed
   * @param events where lines about nodes that exit on their own (and stops) go
   */
  public record Settings(List<String> javaOptions, String classPath, Duration startTimeout,
      Duration stopTimeout, Consumer<String> events) {
    public Settings {
      javaOptions = List.copyOf(javaOptions);
    }

    /**
     * Options from {@value #NODE_JAVA_OPTS_ENV} (or {@link #DEFAULT_NODE_JAVA_OPTS}), this JVM's
     * class path, 120 s to start, 20 s to stop, events to stdout.
     */
    public static Settings defaults() {
      return new Settings(javaOptions(System.getenv(NODE_JAVA_OPTS_ENV)),
          System.getProperty("java.class.path"), Duration.ofSeconds(120), Duration.ofSeconds(20),
          System.out::println);
    }

    /** Splits an options string at whitespace; null or blank gives the defaults. */
    static List<String> javaOptions(String env) {
      if (env == null || env.isBlank()) {
        return DEFAULT_NODE_JAVA_OPTS;
      }
      return Arrays.stream(env.trim().split("\\s+")).toList();
    }

    public Settings withEvents(Consumer<String> events) {
      return new Settings(javaOptions, classPath, startTimeout, stopTimeout, events);
    }

    public Settings withJavaOptions(List<String> options) {
      return new Settings(options, classPath, startTimeout, stopTimeout, events);
    }

    public Settings withStartTimeout(Duration timeout) {
      return new Settings(javaOptions, classPath, timeout, stopTimeout, events);
    }
  }

  private final Path data;
  private final int basePort;
  private final Settings settings;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final CompletableFuture<Void> allExited = new CompletableFuture<>();
  private boolean closed;

  private LocalProcessCluster(Path data, int basePort, Settings settings) {
    this.data = data.toAbsolutePath().normalize();
    this.basePort = basePort;
    this.settings = settings;
  }

  /** {@link #start(Path, int, int, Settings)} with {@link Settings#defaults()}. */
  public static LocalProcessCluster start(Path data, int basePort, int nodes) {
    return start(data, basePort, nodes, Settings.defaults());
  }

  /**
   * Starts {@code nodes} (1..{@value LocalCluster#MAX_NODES}) node processes with their configs
   * and logs in {@code data}, portals on 127.0.0.k:{@code basePort}, and waits until every node
   * has started and its portal accepts connections.
   *
   * @throws ConfigException for bad arguments or configs in {@code data} (names what to fix)
   * @throws IllegalStateException when a node exits during start-up or does not come up in time
   */
  public static LocalProcessCluster start(Path data, int basePort, int nodes, Settings settings) {
    if (nodes < 1 || nodes > LocalCluster.MAX_NODES) {
      throw new ConfigException("--nodes: give a number from 1 to " + LocalCluster.MAX_NODES);
    }
    LocalProcessCluster cluster = new LocalProcessCluster(data, basePort, settings);
    List<NodeConfig> configs = LocalCluster.prepareAll(new LocalCluster.Options(nodes, basePort, data));
    for (int k = 1; k <= nodes; k++) {
      cluster.nodes.add(new NodeProcess(cluster, configs.get(k - 1),
          LocalCluster.configFile(data, k), cluster.data.resolve("node" + k + ".log")));
    }
    try {
      for (NodeProcess n : cluster.nodes) {
        n.launch();
      }
      Instant deadline = Instant.now().plus(settings.startTimeout());
      for (NodeProcess n : cluster.nodes) {
        n.awaitServing(deadline);
      }
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public Path data() {
    return data;
  }

  public int basePort() {
    return basePort;
  }

  Settings settings() {
    return settings;
  }

  public int size() {
    return nodes.size();
  }

  /** Node {@code k}, 1-based: node k serves on 127.0.0.k. */
  public NodeProcess node(int k) {
    if (k < 1 || k > nodes.size()) {
      throw new IllegalArgumentException("node " + k + ": this cluster has nodes 1.." + nodes.size());
    }
    return nodes.get(k - 1);
  }

  public List<NodeProcess> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * Completes when every node has exited on its own (crashed or killed from outside; not
   * through {@link #close}, {@link NodeProcess#stop} or {@link NodeProcess#kill9}).
   */
  public CompletableFuture<Void> allExited() {
    return allExited;
  }

  /** Called by a node that exited without being asked to (already reported). */
  void unexpectedExit() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    if (nodes.stream().noneMatch(NodeProcess::alive)) {
      allExited.complete(null);
    }
  }

  /**
   * Stops every node: SIGTERM to all at once, then waits up to {@link Settings#stopTimeout()}
   * and kills (SIGKILL) any still running. Idempotent; returns when no node process is left.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    List<NodeProcess> running = nodes.stream().filter(NodeProcess::alive).toList();
    if (running.isEmpty()) {
      return;
    }
    settings.events().accept("stopping " + running.size() + (running.size() == 1 ? " node" : " nodes") + " ...");
    running.forEach(NodeProcess::sigterm);
    Instant deadline = Instant.now().plus(settings.stopTimeout());
    for (NodeProcess n : running) {
      n.awaitStopped(deadline);
    }
    settings.events().accept("all nodes stopped");
  }
}
