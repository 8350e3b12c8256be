package io.blockraft.target.node;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code blockraft local-cluster --nodes N --base-port PORT --data DIR}: a cluster on this machine
 * serving target {@value #TARGET} with LUN 0 = a 1 GiB volume (512-byte blocks) and LUN 1 = a
 * 64 MiB read-only volume.
 *
 * <ul>
 *   <li>{@code --nodes 1}: one node in this JVM on 127.0.0.1:PORT, single-node mode (no Raft).
 *   <li>{@code --nodes 3} (2..5 accepted): node k is a separate JVM process ({@link
 *       LocalProcessCluster}) with its portal on 127.0.0.k:PORT, its Raft endpoint on
 *       127.0.0.k:PORT+1 and its admin API on 127.0.0.k:PORT+2 (127.0.0.0/8 is loopback on
 *       Linux); every volume has min(3, N) replicas.
 * </ul>
 *
 * The generated configs ({@code DIR/node{k}.json}) are written once and kept, so a restart on
 * the same DIR serves the same data; the port on the command line wins over the files' portal
 * port.
 */
public final class LocalCluster {
  public static final String TARGET = "iqn.2026-11.io.blockraft:local";
  /** The most nodes local-cluster runs (127.0.0.1 .. 127.0.0.5); 3 is the usual. */
  public static final int MAX_NODES = 5;

  private LocalCluster() {}

  /** Parsed command line. */
  record Options(int nodes, int basePort, Path data) {
    static Options parse(String[] args) {
      int nodes = 1;
      int port = 3260;
      Path data = Path.of("data");
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (a) {
          case "--nodes" -> nodes = (int) Cli.number(a, value, 1, MAX_NODES,
              " (3 for a replicated cluster, 1 for a single node)");
          case "--base-port" -> port = (int) Cli.number(a, value, 1, 65535, "");
          case "--data" -> {
            if (value == null || value.startsWith("--")) {
              throw new ConfigException("--data: give the directory for the nodes' data, e.g. --data ./data");
            }
            data = Path.of(value);
          }
          default -> throw new ConfigException(a + ": unknown option; use --nodes N, --base-port PORT, --data DIR");
        }
        i++;
      }
      checkPort(nodes, port);
      return new Options(nodes, port, data);
    }
  }

  private static void checkPort(int nodes, int port) {
    if (port < 1 || port > 65535) {
      throw new ConfigException("--base-port: give a number from 1 to 65535");
    }
    if (nodes > 1 && port > 65533) {
      throw new ConfigException("--base-port: with --nodes " + nodes + " each node also uses PORT+1"
          + " (Raft) and PORT+2 (admin); give a number from 1 to 65533");
    }
  }

  /** Volumes and targets every generated config serves (the same on every node). */
  private static final String VOLUMES_AND_TARGETS = """
        "volumes": [
          { "name": "lun0", "size": "1GiB", "blockSize": 512 },
          { "name": "readonly", "size": "64MiB", "blockSize": 512 }
        ],
        "targets": [
          { "name": "%s", "alias": "blockraft local",
            "luns": [ { "lun": 0, "volume": "lun0" },
                      { "lun": 1, "volume": "readonly", "readOnly": true } ] }
        ]
      """.formatted(TARGET);

  /** The generated config of a single node (written once; later runs read what is there). */
  static String defaultConfig(int port) {
    return """
        {
          "nodeId": 1,
          "portal": { "host": "127.0.0.1", "port": %d },
          "dataDir": "node1",
          "nop": { "intervalSeconds": 5, "timeoutSeconds": 15 },
        %s}
        """.formatted(port, VOLUMES_AND_TARGETS);
  }

  /** The loopback address of node k of a local cluster: 127.0.0.k. */
  static String host(int k) {
    return "127.0.0." + k;
  }

  /**
   * The generated config of node {@code k} of an {@code n}-node local cluster: portal
   * 127.0.0.k:port, Raft 127.0.0.k:port+1, admin 127.0.0.k:port+2, the other nodes as peers.
   */
  static String clusterConfig(int k, int n, int port) {
    String peers = IntStream.rangeClosed(1, n).filter(j -> j != k)
        .mapToObj(j -> "    { \"id\": %d, \"raft\": \"%s:%d\", \"portal\": \"%s:%d\", \"admin\": \"%s:%d\" }"
            .formatted(j, host(j), port + 1, host(j), port, host(j), port + 2))
        .collect(Collectors.joining(",\n"));
    return """
        {
          "nodeId": %d,
          "portal": { "host": "%s", "port": %d },
          "raft": { "host": "%s", "port": %d },
          "admin": { "host": "%s", "port": %d },
          "dataDir": "node%d",
          "nop": { "intervalSeconds": 5, "timeoutSeconds": 15 },
          "replicas": %d,
          "peers": [
        %s
          ],
        %s}
        """.formatted(k, host(k), port, host(k), port + 1, host(k), port + 2, k, Math.min(3, n),
        peers, VOLUMES_AND_TARGETS);
  }

  /** Where node k's config lives: DIR/node{k}.json. */
  static Path configFile(Path data, int k) {
    return data.toAbsolutePath().normalize().resolve("node" + k + ".json");
  }

  /** Writes (if absent) and reads DIR/node1.json of a single node; the port on the command line wins. */
  static NodeConfig prepare(Options o) {
    return prepareAll(o).get(0);
  }

  /**
   * Writes the configs that are missing (DIR/node1.json .. node{N}.json), reads all of them and
   * checks they describe an N-node cluster (a directory made by --nodes 1 is not silently turned
   * into a cluster, nor the reverse). Returns node 1..N's configs with the command line's port
   * applied to every portal.
   */
  static List<NodeConfig> prepareAll(Options o) {
    checkPort(o.nodes(), o.basePort());
    Path dir = o.data().toAbsolutePath().normalize();
    List<NodeConfig> configs = new ArrayList<>();
    for (int k = 1; k <= o.nodes(); k++) {
      Path file = configFile(dir, k);
      try {
        Files.createDirectories(dir);
        if (!Files.exists(file)) {
          Files.writeString(file, o.nodes() == 1 ? defaultConfig(o.basePort())
              : clusterConfig(k, o.nodes(), o.basePort()));
        }
      } catch (IOException e) {
        throw new ConfigException("--data: cannot use " + dir + " (" + e.getMessage() + ")");
      }
      NodeConfig c;
      try {
        c = NodeConfigParser.parse(file);
      } catch (ConfigException e) {
        throw new ConfigException(file + ": " + e.getMessage());
      }
      int clusterSize = 1 + c.peers().size();
      if (!c.clustered() && o.nodes() > 1) {
        throw new ConfigException("--nodes " + o.nodes() + ": " + file + " is a single-node config"
            + " (written by --nodes 1); run --nodes 1 on " + o.data() + ", or give a new --data directory");
      }
      if (c.clustered() && clusterSize != o.nodes()) {
        throw new ConfigException("--nodes " + o.nodes() + ": " + file + " belongs to a "
            + clusterSize + "-node cluster; run --nodes " + clusterSize + " on " + o.data()
            + ", or give a new --data directory");
      }
      c = c.withClusterPortalPort(o.basePort());
      if (c.raft() != null && c.raft().port() == o.basePort()
          && c.raft().host().equalsIgnoreCase(c.portalHost())) {
        throw new ConfigException("--base-port: " + o.basePort() + " is node " + k + "'s Raft port in "
            + file + "; choose another --base-port");
      }
      if (c.adminPort() == o.basePort() && c.adminHost().equalsIgnoreCase(c.portalHost())) {
        throw new ConfigException("--base-port: " + o.basePort() + " is node " + k + "'s admin port in "
            + file + "; choose another --base-port");
      }
      configs.add(c);
    }
    return configs;
  }

  /**
   * Starts the single local node on 127.0.0.1:{@code port} with its data under {@code data}
   * (config generated on first use), in this JVM and without a shutdown hook: the caller closes
   * it. This is the API the single-node integration tests use; {@link LocalProcessCluster} is
   * the one for several node processes.
   */
  public static BlockraftNode start(Path data, int port) {
    return BlockraftNode.start(prepare(new Options(1, port, data)));
  }

  /** Runs until SIGINT/SIGTERM. */
  public static int run(String[] args, PrintStream out) throws InterruptedException {
    Options o = Options.parse(args);
    return o.nodes() == 1 ? runSingle(o, out) : runProcesses(o, out);
  }

  private static int runSingle(Options o, PrintStream out) throws InterruptedException {
    NodeConfig config = prepare(o);
    BlockraftNode node = BlockraftNode.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "shutdown"));
    out.println("blockraft local cluster: 1 node, data in " + o.data().toAbsolutePath().normalize());
    out.println("node 1 portal: " + config.portalHost() + ":" + node.portalPort() + " target " + TARGET);
    for (String url : node.lunUrls()) {
      out.println("  " + url + (url.endsWith("/1") ? "   (read-only)" : ""));
    }
    out.println("Ctrl-C stops the node.");
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * N node processes. Ctrl-C/SIGTERM stops them all (SIGTERM, then SIGKILL after the stop
   * timeout) and exits 0; if every node has died on its own, exits 1.
   */
  private static int runProcesses(Options o, PrintStream out) throws InterruptedException {
    Path dir = o.data().toAbsolutePath().normalize();
    out.println("blockraft local cluster: " + o.nodes() + " node processes, data and logs in " + dir);
    out.flush();
    LocalProcessCluster cluster = LocalProcessCluster.start(o.data(), o.basePort(), o.nodes(),
        LocalProcessCluster.Settings.defaults().withEvents(line -> {
          out.println(line);
          out.flush();
        }));
    AtomicBoolean mainReturned = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.close();
      if (!mainReturned.get()) {
        // ended by SIGINT/SIGTERM: every node stopped cleanly, so say so with status 0 (a JVM
        // ended by a signal would otherwise exit 128 + signal even after its hooks ran)
        out.flush();
        Runtime.getRuntime().halt(0);
      }
    }, "shutdown"));
    for (NodeProcess n : cluster.nodes()) {
      out.println("node " + n.id() + " portal: " + n.portal() + " target "
          + String.join(", ", n.config().targets().stream().map(NodeConfig.Target::name).toList())
          + " (pid " + n.pid() + ", log " + n.log() + ")");
      for (String url : n.lunUrls()) {
        out.println("  " + url + (url.endsWith("/1") ? "   (read-only)" : ""));
      }
    }
    out.println("Ctrl-C stops all nodes.");
    out.flush();
    cluster.allExited().join();
    mainReturned.set(true);
    out.println("blockraft: every node has exited; see the logs in " + dir);
    return 1;
  }
}
