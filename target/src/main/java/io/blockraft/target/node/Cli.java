package io.blockraft.target.node;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** Entry point of {@code bin/blockraft}: {@code node}, {@code local-cluster}, {@code help}. */
public final class Cli {
  private Cli() {}

  public static void main(String[] args) {
    int rc;
    try {
      rc = run(args, System.out, System.err);
    } catch (ConfigException e) {
      System.err.println("blockraft: " + e.getMessage());
      rc = 2;
    } catch (InterruptedException e) {
      rc = 1;
    } catch (Exception e) {
      // start-up failures that are not config mistakes: say what and where, no stack trace
      System.err.println("blockraft: cannot start: " + describe(e));
      rc = 1;
    }
    if (rc != 0) {
      System.exit(rc);
    }
  }

  /** One line naming the cause, e.g. a port in use or a data directory locked by another node. */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    if (root instanceof java.net.BindException || msg.contains("Address already in use")) {
      return "the portal address is in use (" + msg + "); is another node running on it?"
          + " Choose another portal.port or --base-port";
    }
    if (msg.contains("lock") && msg.contains("LOCK")) {
      return "the data directory is in use by another running node (" + msg + ")";
    }
    return msg;
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      usage(out);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "local-cluster":
        return LocalCluster.run(rest, out);
      case "node":
        return node(rest, out);
      default:
        err.println("blockraft: unknown command '" + args[0] + "'; run 'blockraft help'");
        return 2;
    }
  }

  /** Parsed {@code node} options. */
  record NodeOptions(Path config, Integer portalPort, Long parentPid) {
    static NodeOptions parse(String[] args) {
      Path config = null;
      Integer portalPort = null;
      Long parentPid = null;
      for (int i = 0; i < args.length; i += 2) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--config" -> config = value == null ? null : Path.of(value);
          case "--portal-port" -> portalPort = (int) number("--portal-port", value, 1, 65535, "");
          case "--parent-pid" -> parentPid = number("--parent-pid", value, 1, Long.MAX_VALUE, "");
          default -> throw new ConfigException("node: unknown option " + args[i]
              + "; give the config file: blockraft node --config FILE");
        }
      }
      if (config == null) {
        throw new ConfigException("node: give the config file: blockraft node --config FILE");
      }
      return new NodeOptions(config, portalPort, parentPid);
    }
  }

  /** A command-line number in [min, max], or a {@link ConfigException} naming the option. */
  static long number(String name, String value, long min, long max, String hint) {
    try {
      long v = Long.parseLong(value);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new ConfigException(name + ": give a number from " + min + " to " + max + hint);
  }

  private static int node(String[] args, PrintStream out) throws InterruptedException {
    NodeOptions o = NodeOptions.parse(args);
    NodeConfig parsed = NodeConfigParser.parse(o.config());
    NodeConfig config = o.portalPort() == null ? parsed : parsed.withClusterPortalPort(o.portalPort());
    BlockraftNode node = BlockraftNode.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "shutdown"));
    out.println(servingLine(config, node.portalPort()));
    for (String url : node.lunUrls()) {
      out.println("  " + url);
    }
    out.flush();
    if (o.parentPid() != null) {
      // started by local-cluster: stop cleanly when it goes, even if it was killed with SIGKILL
      long pid = o.parentPid();
      ProcessHandle.of(pid).map(ProcessHandle::onExit)
          .orElseGet(() -> CompletableFuture.completedFuture(null))
          .thenRun(() -> {
            out.println("node " + config.nodeId() + ": local-cluster process " + pid + " is gone; stopping");
            out.flush();
            System.exit(0);
          });
    }
    stopped.await();
    return 0;
  }

  /** The line a node prints once its portal serves (local-cluster's logs show it). */
  static String servingLine(NodeConfig c, int port) {
    String portal = NodeConfig.hostPort(c.portalHost(), port);
    String mode = !c.clustered() ? "single node"
        : "Raft " + c.raft().address() + ", "
            + c.peers().size() + (c.peers().size() == 1 ? " peer" : " peers") + ", "
            + c.replicas() + (c.replicas() == 1 ? " replica" : " replicas") + " per volume";
    return "node " + c.nodeId() + " serving on " + portal + " (" + mode + "), data in " + c.dataDir();
  }

  private static void usage(PrintStream out) {
    out.println("usage: blockraft <command> [options]");
    out.println("  local-cluster --nodes 3 [--base-port 3260] [--data ./data]");
    out.println("        run 3 node processes on 127.0.0.1, .2 and .3 (portal PORT, Raft PORT+1,");
    out.println("        admin PORT+2) serving a replicated 1 GiB LUN 0 (and a read-only LUN 1);");
    out.println("        --nodes 1 runs one node in this process; 2..5 are accepted");
    out.println("  node --config FILE [--portal-port PORT] [--parent-pid PID]");
    out.println("        run one node from a config file (see README.md, 'Node configuration');");
    out.println("        local-cluster passes --portal-port (its --base-port wins over the files)");
    out.println("        and --parent-pid (the node stops when local-cluster's process is gone)");
    out.println("  help  this text");
  }
}
