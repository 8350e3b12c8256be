package io.blockraft.target.node;

import io.blockraft.replication.LocalVolumes;
import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.replication.cluster.ReplicationNode;
import io.blockraft.replication.cluster.VolumeRecord;
import io.blockraft.replication.volume.RaftVolume;
import io.blockraft.storage.RocksConfig;
import io.blockraft.target.scsi.pr.PrTransform;
import io.blockraft.storage.BlockStore;
import io.blockraft.storage.RocksBlockStore;
import io.blockraft.storage.Volume;
import io.blockraft.target.iscsi.login.ChapCredentials;
import io.blockraft.target.iscsi.login.TargetCatalog;
import io.blockraft.target.iscsi.login.TargetInfo;
import io.blockraft.target.iscsi.portal.PortalConfig;
import io.blockraft.target.iscsi.portal.PortalServer;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: its volumes, the SCSI targets with their LUN maps, and the iSCSI portal.
 *
 * <p>Single-node mode (no peers): one RocksDB store under the data directory, its WAL the
 * durability. Cluster mode: a {@link ReplicationNode} (one Raft server; the metadata group; a
 * group per volume replica). Configured volumes are created through the metadata group when
 * absent (every node asks; the first CREATE applied wins, the others are no-ops), and each LUN is
 * served from this node's replica, which may be a follower (ARCHITECTURE.md, data path).
 */
public final class BlockraftNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockraftNode.class);

  /** How long a starting cluster node waits for its volumes (the other nodes must come up). */
  static final long CLUSTER_WAIT_SECONDS = 600;
  /** Applied write bytes after which a volume replica snapshots itself (and purges its logs). */
  static final long SNAPSHOT_BYTES = 1L << 30;
  /** How long a starting cluster node waits for its volumes' groups to know a leader. */
  static final long LEADER_WAIT_SECONDS = 30;

  private final NodeConfig config;
  private final BlockStore store;
  private ReplicationNode replication;
  private final ExecutorService io;
  private final Map<String, ScsiTarget> targets;
  private final PortalServer portal;
  private volatile boolean closed;

  private BlockraftNode(NodeConfig config, BlockStore store, ExecutorService io,
      Map<String, ScsiTarget> targets, PortalServer portal) {
    this.config = config;
    this.store = store;
    this.io = io;
    this.targets = targets;
    this.portal = portal;
  }

  /** Opens the store, creates missing volumes, and starts the portal. */
  public static BlockraftNode start(NodeConfig config) {
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new ConfigException("dataDir: cannot create " + config.dataDir() + " (" + e.getMessage() + ")");
    }
    BlockStore store = config.clustered() ? null : RocksBlockStore.open(config.dataDir().resolve("blocks"));
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    ExecutorService io = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "volume-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    ReplicationNode replication = null;
    try {
      MetaTransforms transforms = PrTransform.register(new MetaTransforms());
      Map<String, ReplicatedVolume> volumes;
      if (config.clustered()) {
        replication = startReplication(config, transforms, io);
        volumes = clusterVolumes(config, replication);
      } else {
        volumes = openVolumes(config, store, io, transforms);
      }
      Map<String, ScsiTarget> targets = new LinkedHashMap<>();
      for (NodeConfig.Target t : config.targets()) {
        ScsiTarget st = new ScsiTarget(t.name());
        Map<String, LogicalUnit> lus = new HashMap<>();
        for (NodeConfig.Lun l : t.luns()) {
          // one LogicalUnit per (volume, access mode): SCSI state (UAs, reservations) is per LU
          ReplicatedVolume vol = volumes.get(l.volume());
          if (vol == null) {
            continue; // cluster mode: no replica on this node
          }
          LogicalUnit lu = lus.computeIfAbsent(l.volume() + (l.readOnly() ? ":ro" : ":rw"),
              k -> new LogicalUnit(vol, l.readOnly()));
          st.map(l.lun(), lu);
        }
        targets.put(t.name().toLowerCase(Locale.ROOT), st);
      }
      if (!config.clustered()) {
        powerOn(targets);
      } else {
        nodeStarted(targets, config.nodeId());
      }
      List<String> addresses = new java.util.ArrayList<>();
      addresses.add(config.portalHost() + ":" + config.portalPort() + "," + config.nodeId());
      for (NodeConfig.Peer p : config.peers()) {
        if (p.portal() != null) {
          addresses.add(p.portal() + "," + p.id()); // SendTargets: every portal serving the target
        }
      }
      List<TargetInfo> infos = config.targets().stream().map(t -> new TargetInfo(t.name(), t.alias(),
          List.copyOf(addresses), t.chap() == null ? null : new ChapCredentials(t.chap().user(),
              t.chap().secret(), t.chap().mutualUser(), t.chap().mutualSecret()),
          Set.copyOf(t.allowedInitiators()))).toList();
      TargetCatalog catalog = () -> infos;
      PortalConfig pc = PortalConfig.of(config.portalBind(), config.portalPort(), config.nodeId())
          .withNop(config.nopInterval(), config.nopTimeout());
      PortalServer portal = new PortalServer(pc, catalog,
          name -> name == null ? null : targets.get(name.toLowerCase(Locale.ROOT)));
      portal.start();
      log.info("node {} serving {} target(s) on {}:{}{} (data in {})", config.nodeId(),
          targets.size(), config.portalHost(), portal.boundPort(),
          config.portalBind().equals(config.portalHost()) ? "" : " (listening on " + config.portalBind() + ")",
          config.dataDir());
      BlockraftNode node = new BlockraftNode(config, store, io, targets, portal);
      node.replication = replication;
      return node;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeReplication(replication);
      shutdown(io, store);
      throw new IllegalStateException("interrupted while starting the node", e);
    } catch (RuntimeException e) {
      closeReplication(replication);
      shutdown(io, store);
      throw e;
    }
  }

  /**
   * A cluster node's start: the SPC-2 reservation of a nexus this node lost when it stopped is
   * released once its replicas have caught up ({@link
   * io.blockraft.target.scsi.pr.Reservations#nodeStarted}); in the background, the portal does
   * not wait for it.
   */
  private static void nodeStarted(Map<String, ScsiTarget> targets, int nodeId) {
    Set<LogicalUnit> seen = new java.util.HashSet<>();
    for (ScsiTarget t : targets.values()) {
      for (LogicalUnit lu : t.luns().values()) {
        if (seen.add(lu)) {
          lu.reservations().nodeStarted(nodeId);
        }
      }
    }
  }

  /** SPC-4 5.13.5: a single node's start is the LU's power on (PRs without APTPL are dropped). */
  private static void powerOn(Map<String, ScsiTarget> targets) throws InterruptedException {
    Set<LogicalUnit> seen = new java.util.HashSet<>();
    for (ScsiTarget t : targets.values()) {
      for (LogicalUnit lu : t.luns().values()) {
        if (seen.add(lu)) {
          try {
            lu.reservations().powerOnWithoutAptpl().get(30, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("volume {}: power-on reservation reset failed: {}", lu.volume().name(), e.toString());
          }
        }
      }
    }
  }

  private static ReplicationNode startReplication(NodeConfig config, MetaTransforms transforms,
      ExecutorService io) {
    List<ReplicationNode.Member> members = new java.util.ArrayList<>();
    members.add(new ReplicationNode.Member(config.nodeId(), config.raft().host(), config.raft().port()));
    for (NodeConfig.Peer p : config.peers()) {
      String a = p.raftAddress();
      int colon = a.lastIndexOf(':');
      String host = a.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      members.add(new ReplicationNode.Member(p.id(), host, Integer.parseInt(a.substring(colon + 1))));
    }
    RocksConfig rocks = RocksConfig.singleNode().withBlockCache(64 * RocksConfig.MIB); // per replica: three JVMs share a host in local-cluster
    try {
      return ReplicationNode.start(new ReplicationNode.Options(config.nodeId(), members,
          config.dataDir(), config.replicas(), rocks, SNAPSHOT_BYTES), transforms, io);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the Raft server on " + config.raft().address()
          + ": " + e.getMessage(), e);
    }
  }

  /**
   * This node's replica of every configured volume, creating volumes the table lacks. A volume
   * placed on other nodes only (clusters larger than the replica count) is absent from the map:
   * its LUNs are not served here.
   */
  private static Map<String, ReplicatedVolume> clusterVolumes(NodeConfig config, ReplicationNode rn)
      throws InterruptedException {
    Map<String, java.util.concurrent.CompletableFuture<RaftVolume>> pending = new LinkedHashMap<>();
    for (int i = 0; i < config.volumes().size(); i++) {
      NodeConfig.Volume v = config.volumes().get(i);
      String key = "volumes[" + i + "]";
      java.util.concurrent.CompletableFuture<RaftVolume> local = rn.volume(v.name());
      java.util.concurrent.CompletableFuture<RaftVolume> created = rn.createVolume(v.name(), v.blocks(),
          v.blockSize()).thenCompose(r -> {
            checkGeometry(key, v, r);
            return r.replicas().contains(config.nodeId()) ? local
                : java.util.concurrent.CompletableFuture.completedFuture((RaftVolume) null);
          });
      pending.put(v.name(), local.applyToEither(created, x -> x).thenCombine(
          created.exceptionally(e -> null), (x, y) -> x == null ? y : x));
    }
    Map<String, ReplicatedVolume> out = new HashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLUSTER_WAIT_SECONDS);
    for (Map.Entry<String, java.util.concurrent.CompletableFuture<RaftVolume>> e : pending.entrySet()) {
      while (true) {
        try {
          RaftVolume v = e.getValue().get(10, TimeUnit.SECONDS);
          if (v != null) {
            out.put(e.getKey(), v);
          } else {
            log.info("volume {} has no replica on node {}: its LUNs are served by other nodes",
                e.getKey(), config.nodeId());
          }
          break;
        } catch (java.util.concurrent.TimeoutException te) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("volume " + e.getKey() + " did not come up within "
                + CLUSTER_WAIT_SECONDS + " s: are the other nodes running and reachable?");
          }
          log.info("waiting for the cluster to form (volume {}): start the other nodes", e.getKey());
        } catch (java.util.concurrent.ExecutionException ee) {
          Throwable c = ee.getCause();
          if (c instanceof ConfigException ce) {
            throw ce;
          }
          throw new IllegalStateException("volume " + e.getKey() + ": " + c.getMessage(), c);
        }
      }
    }
    awaitLeaders(out, deadline);
    return out;
  }

  /**
   * Waits (bounded) until every replica knows its group's leader, so the portal does not open
   * into a burst of NOT READY while the groups elect. A node started alone keeps going after the
   * wait and answers NOT READY until a quorum forms.
   */
  private static void awaitLeaders(Map<String, ReplicatedVolume> volumes, long deadline)
      throws InterruptedException {
    long until = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(LEADER_WAIT_SECONDS));
    for (Map.Entry<String, ReplicatedVolume> e : volumes.entrySet()) {
      while (!e.getValue().isReady()) {
        if (System.nanoTime() > until) {
          log.warn("volume {} has no leader yet; serving it anyway (NOT READY until a quorum forms)",
              e.getKey());
          break;
        }
        Thread.sleep(50); // product start-up poll, not test synchronisation
      }
    }
  }

  private static void checkGeometry(String key, NodeConfig.Volume v, VolumeRecord r) {
    if (r.blockSize() != v.blockSize()) {
      throw new ConfigException(key + ".blockSize: volume \"" + v.name() + "\" was created with "
          + r.blockSize() + "-byte blocks; the block size of an existing volume cannot change");
    }
    if (r.blockCount() != v.blocks()) {
      log.warn("{}.size: volume \"{}\" holds {} bytes in the cluster's volume table; the config's {}"
          + " is ignored (resizing comes with the admin API)", key, v.name(),
          r.blockCount() * r.blockSize(), v.sizeBytes());
    }
  }

  private static void closeReplication(ReplicationNode r) {
    if (r != null) {
      r.close();
    }
  }

  /** The replication side (cluster mode), or null in single-node mode. */
  public ReplicationNode replication() {
    return replication;
  }

  private static Map<String, ReplicatedVolume> openVolumes(NodeConfig config, BlockStore store,
      ExecutorService io, MetaTransforms transforms) {
    LocalVolumes opener = new LocalVolumes(store, io, transforms);
    Map<String, ReplicatedVolume> out = new HashMap<>();
    for (int i = 0; i < config.volumes().size(); i++) {
      NodeConfig.Volume v = config.volumes().get(i);
      Optional<Volume> existing = store.volume(v.name());
      if (existing.isPresent()) {
        Volume e = existing.get();
        if (e.logicalBlockSize() != v.blockSize()) {
          throw new ConfigException("volumes[" + i + "].blockSize: volume \"" + v.name()
              + "\" was created with " + e.logicalBlockSize() + "-byte blocks; the block size of"
              + " an existing volume cannot change");
        }
        if (e.blockCount() != v.blocks()) {
          throw new ConfigException("volumes[" + i + "].size: volume \"" + v.name() + "\" holds "
              + e.blockCount() * e.logicalBlockSize() + " bytes; set size to that (resizing comes"
              + " with the admin API)");
        }
      } else {
        log.info("creating volume {} ({} blocks of {} bytes)", v.name(), v.blocks(), v.blockSize());
      }
      out.put(v.name(), opener.open(v.name(), v.blocks(), v.blockSize()));
    }
    return out;
  }

  public NodeConfig config() {
    return config;
  }

  /** The port the portal listens on (useful when configured as 0). */
  public int portalPort() {
    return portal.boundPort();
  }

  /** Sessions currently open on the portal (logged in, discovery included). */
  public int sessionCount() {
    return portal.sessions().sessions().size();
  }

  /** iscsi:// URLs of every LUN of every target, in config order. */
  public List<String> lunUrls() {
    String host = config.portalHost().contains(":") ? "[" + config.portalHost() + "]" : config.portalHost();
    return config.targets().stream().flatMap(t -> t.luns().stream()
        .map(l -> "iscsi://" + host + ":" + portalPort() + "/" + t.name() + "/" + l.lun())).toList();
  }

  /** Stops the portal (closing sessions), then the volumes and the store. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    portal.stop();
    closeReplication(replication);
    shutdown(io, store);
    log.info("node {} stopped", config.nodeId());
  }

  private static void shutdown(ExecutorService io, BlockStore store) {
    io.shutdown();
    try {
      if (!io.awaitTermination(10, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      io.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (store != null) {
      store.close();
    }
  }
}
