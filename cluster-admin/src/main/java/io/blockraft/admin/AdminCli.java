package io.blockraft.admin;

import java.io.PrintStream;

/**
 * The operator CLI. It talks to nodes only over the admin HTTP API (ARCHITECTURE.md
 * "Operations"); that API arrives with the operations issue, so for now every command says so
 * precisely instead of pretending.
 */
public final class AdminCli {
  private AdminCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the CLI; returns the process exit code (0 ok, 2 usage error, 3 not available yet). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
      out.println("usage: blockraft-admin <command>");
      out.println("commands (planned; they need the node admin HTTP API of the operations issue):");
      out.println("  status | volumes | volume-create | volume-resize | volume-delete | map");
      out.println("  transfer-leader | node-add | node-remove | health");
      return args.length == 0 ? 2 : 0;
    }
    err.println("blockraft-admin: '" + args[0] + "' needs the node admin HTTP API, which is not"
        + " implemented yet; run 'blockraft-admin help' for the command list");
    return 3;
  }
}
