package io.blockraft.target.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One node's configuration (see README "Node configuration"). Built only by
 * {@link NodeConfigParser}, which validates every field.
 *
 * @param nodeId node id: target port group id and relative target port id (ARCHITECTURE.md ALUA)
 * @param portalHost iSCSI portal address: what initiators connect to and SendTargets advertises
 * @param portalPort iSCSI portal port
 * @param portalBind address the portal listens on (defaults to portalHost; "0.0.0.0" in a
 *     container whose advertised address belongs to the host)
 * @param dataDir where the block store lives
 * @param adminHost admin/metrics HTTP address (reserved for the operations issue)
 * @param adminPort admin/metrics HTTP port (reserved)
 * @param nopInterval idle time before the target pings a connection (NOP-In)
 * @param nopTimeout time without an answer before the connection is dropped
 * @param raft this node's Raft endpoint (what its peers connect to); null in single-node mode
 * @param peers the other nodes of the cluster (never this node); empty in single-node mode
 * @param replicas replicas per volume, 1..5, at most 1 + peers (default min(3, 1 + peers))
 * @param volumes volumes this node serves
 * @param targets iSCSI targets and their LUN maps
 */
public record NodeConfig(int nodeId, String portalHost, int portalPort, String portalBind, Path dataDir,
    String adminHost, int adminPort, Duration nopInterval, Duration nopTimeout, Raft raft,
    List<Peer> peers, int replicas, List<Volume> volumes, List<Target> targets) {

  /**
   * True when this node is part of a Raft cluster (it has peers, or at least its own Raft
   * endpoint); false in single-node mode, where the node keeps its blocks in RocksDB alone.
   */
  public boolean clustered() {
    return raft != null || !peers.isEmpty();
  }

  /** The same config with this node's portal on another port (local-cluster's --base-port). */
  public NodeConfig withPortalPort(int port) {
    return new NodeConfig(nodeId, portalHost, port, portalBind, dataDir, adminHost, adminPort,
        nopInterval, nopTimeout, raft, peers, replicas, volumes, targets);
  }

  /**
   * The same config with this node's portal and every peer's portal on {@code port}: a local
   * cluster runs all its portals on one port (127.0.0.1, .2, .3 ...), and its --base-port wins
   * over the files.
   */
  public NodeConfig withClusterPortalPort(int port) {
    List<Peer> moved = peers.stream().map(p -> p.portal() == null ? p
        : new Peer(p.id(), p.raftAddress(), hostOf(p.portal()) + ":" + port, p.adminAddress())).toList();
    return new NodeConfig(nodeId, portalHost, port, portalBind, dataDir, adminHost, adminPort,
        nopInterval, nopTimeout, raft, moved, replicas, volumes, targets);
  }

  private static String hostOf(String address) {
    return address.substring(0, address.lastIndexOf(':'));
  }

  /** iscsi:// URLs of every LUN of every target, in config order, through this node's portal host on {@code port}. */
  public List<String> lunUrls(int port) {
    String portal = hostPort(portalHost, port);
    return targets.stream().flatMap(t -> t.luns().stream()
        .map(l -> "iscsi://" + portal + "/" + t.name() + "/" + l.lun())).toList();
  }

  /** {@code host:port}, with an IPv6 literal in brackets ({@code [::1]:3260}). */
  static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** This node's Raft endpoint: peers connect to host:port; the Raft server listens there. */
  public record Raft(String host, int port) {
    /** {@code host:port} ({@code [v6]:port} for an IPv6 literal), as Ratis addresses are written. */
    public String address() {
      return hostPort(host, port);
    }
  }

  /**
   * Another node of the cluster. Addresses are {@code host:port} strings, validated by the
   * parser; {@code portal} and {@code adminAddress} may be null when the file leaves them out.
   *
   * @param id its nodeId (unique, never this node's)
   * @param raftAddress its Raft endpoint, as in its own file's {@code raft}
   * @param portal its iSCSI portal as initiators reach it
   * @param adminAddress its admin HTTP API
   */
  public record Peer(int id, String raftAddress, String portal, String adminAddress) {}

  /** A volume: name, size in bytes, logical block size (512 or 4096). */
  public record Volume(String name, long sizeBytes, int blockSize) {
    public long blocks() {
      return sizeBytes / blockSize;
    }
  }

  /** CHAP secrets of a target; mutual* null when the target does not authenticate itself. */
  public record Chap(String user, String secret, String mutualUser, String mutualSecret) {}

  /** One LUN of a target. */
  public record Lun(int lun, String volume, boolean readOnly) {}

  /** An iSCSI target. */
  public record Target(String name, String alias, Chap chap, List<String> allowedInitiators,
      List<Lun> luns) {}
}
