package io.blockraft.target.node;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
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

  private static int node(String[] args, PrintStream out) throws InterruptedException {
    if (args.length != 2 || !args[0].equals("--config")) {
      throw new ConfigException("node: give the config file: blockraft node --config FILE");
    }
    NodeConfig config = NodeConfigParser.parse(Path.of(args[1]));
    BlockraftNode node = BlockraftNode.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "shutdown"));
    for (String url : node.lunUrls()) {
      out.println(url);
    }
    out.flush();
    stopped.await();
    return 0;
  }

  private static void usage(PrintStream out) {
    out.println("usage: blockraft <command> [options]");
    out.println("  local-cluster --nodes 1 [--base-port 3260] [--data ./data]");
    out.println("        run a node on 127.0.0.1 with a 1 GiB LUN 0 (and a read-only LUN 1)");
    out.println("  node --config FILE");
    out.println("        run one node from a config file (see README.md, 'Node configuration')");
    out.println("  help  this text");
  }
}
