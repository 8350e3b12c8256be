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
 * @param peers other nodes (reserved for the replication issue: validated, not used yet)
 * @param volumes volumes this node serves
 * @param targets iSCSI targets and their LUN maps
 */
public record NodeConfig(int nodeId, String portalHost, int portalPort, String portalBind, Path dataDir,
    String adminHost, int adminPort, Duration nopInterval, Duration nopTimeout, List<Peer> peers,
    List<Volume> volumes, List<Target> targets) {

  /** The same config with the portal on another port (local-cluster's --base-port). */
  public NodeConfig withPortalPort(int port) {
    return new NodeConfig(nodeId, portalHost, port, portalBind, dataDir, adminHost, adminPort,
        nopInterval, nopTimeout, peers, volumes, targets);
  }

  /** A peer node (replication issue). */
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
