package io.blockraft.target.iscsi.portal;

import io.blockraft.target.iscsi.login.TargetCatalog;
import io.blockraft.target.iscsi.login.TargetInfo;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.MemoryReplicatedVolume;
import io.blockraft.target.scsi.ScsiTarget;
import java.util.List;
import java.util.Set;

/**
 * A portal over an in-memory LUN for trying real initiators by hand:
 * {@code java ... PortalDemo [port] [blocks]}, then e.g.
 * {@code iscsi-test-cu -t ALL iscsi://127.0.0.1:PORT/iqn.2024-01.io.blockraft:demo/0}.
 */
public final class PortalDemo {
  public static final String TARGET = "iqn.2024-01.io.blockraft:demo";

  private PortalDemo() {}

  /** Starts a portal with one target whose LUN 0 is {@code blocks} 512-byte blocks in memory. */
  public static PortalServer start(int port, long blocks) throws InterruptedException {
    ScsiTarget target = new ScsiTarget(TARGET);
    target.map(0, new LogicalUnit(new MemoryReplicatedVolume("demo", 512, blocks), false));
    PortalServer[] self = new PortalServer[1];
    TargetCatalog catalog = () -> List.of(new TargetInfo(TARGET, "demo",
        List.of("127.0.0.1:" + self[0].boundPort() + ",1"), null, Set.of()));
    self[0] = new PortalServer(PortalConfig.of("127.0.0.1", port, 1), catalog,
        n -> n.equalsIgnoreCase(TARGET) ? target : null);
    self[0].start();
    return self[0];
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 3260;
    long blocks = args.length > 1 ? Long.parseLong(args[1]) : 131072;
    PortalServer s = start(port, blocks);
    System.out.println("portal on 127.0.0.1:" + s.boundPort() + " target " + TARGET);
    Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
    Thread.currentThread().join();
  }
}
