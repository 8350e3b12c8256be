package io.blockraft.target.node;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code blockraft local-cluster --nodes 1 --base-port PORT --data DIR}: a node on 127.0.0.1:PORT
 * serving target {@value #TARGET} with LUN 0 = a 1 GiB volume (512-byte blocks) and LUN 1 = a
 * 64 MiB read-only volume. The generated config is kept in DIR, so a restart on the same DIR
 * serves the same data. (Three nodes on 127.0.0.1-3 arrive with the replication issue.)
 */
public final class LocalCluster {
  public static final String TARGET = "iqn.2026-11.io.blockraft:local";

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
          case "--nodes" -> nodes = intArg(a, value, 1, 9);
          case "--base-port" -> port = intArg(a, value, 1, 65535);
          case "--data" -> {
            if (value == null || value.startsWith("--")) {
              throw new ConfigException("--data: give the directory for the node's data, e.g. --data ./data");
            }
            data = Path.of(value);
          }
          default -> throw new ConfigException(a + ": unknown option; use --nodes N, --base-port PORT, --data DIR");
        }
        i++;
      }
      if (nodes != 1) {
        throw new ConfigException("--nodes " + nodes + ": this build runs a single node; use --nodes 1"
            + " (three replicated nodes arrive with the replication work)");
      }
      return new Options(nodes, port, data);
    }

    private static int intArg(String name, String value, int min, int max) {
      try {
        int v = Integer.parseInt(value);
        if (v >= min && v <= max) {
          return v;
        }
      } catch (NumberFormatException | NullPointerException e) {
        // fall through
      }
      throw new ConfigException(name + ": give a number from " + min + " to " + max);
    }
  }

  /** The generated config of node 1 (written once; later runs read what is there). */
  static String defaultConfig(int port) {
    return """
        {
          "nodeId": 1,
          "portal": { "host": "127.0.0.1", "port": %d },
          "dataDir": "node1",
          "nop": { "intervalSeconds": 5, "timeoutSeconds": 15 },
          "volumes": [
            { "name": "lun0", "size": "1GiB", "blockSize": 512 },
            { "name": "readonly", "size": "64MiB", "blockSize": 512 }
          ],
          "targets": [
            { "name": "%s", "alias": "blockraft local",
              "luns": [ { "lun": 0, "volume": "lun0" },
                        { "lun": 1, "volume": "readonly", "readOnly": true } ] }
          ]
        }
        """.formatted(port, TARGET);
  }

  /** Writes (if absent) and reads DIR/node1.json; the port on the command line wins. */
  static NodeConfig prepare(Options o) {
    Path dir = o.data().toAbsolutePath().normalize();
    Path file = dir.resolve("node1.json");
    try {
      Files.createDirectories(dir);
      if (!Files.exists(file)) {
        Files.writeString(file, defaultConfig(o.basePort()));
      }
    } catch (IOException e) {
      throw new ConfigException("--data: cannot use " + dir + " (" + e.getMessage() + ")");
    }
    return NodeConfigParser.parse(file).withPortalPort(o.basePort());
  }

  /**
   * Starts the single local node on 127.0.0.1:{@code port} with its data under {@code data}
   * (config generated on first use), without a shutdown hook: the caller closes it. This is the
   * API the integration tests use.
   */
  public static BlockraftNode start(Path data, int port) {
    if (port < 1 || port > 65535) {
      throw new ConfigException("--base-port: give a number from 1 to 65535");
    }
    return BlockraftNode.start(prepare(new Options(1, port, data)));
  }

  /** Runs until SIGINT/SIGTERM. */
  public static int run(String[] args, PrintStream out) throws InterruptedException {
    Options o = Options.parse(args);
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
}
