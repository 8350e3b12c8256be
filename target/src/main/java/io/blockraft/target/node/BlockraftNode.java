package io.blockraft.target.node;

import io.blockraft.replication.LocalVolumes;
import io.blockraft.replication.ReplicatedVolume;
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
 * One running node: the block store under the data directory, a volume per configured volume,
 * the SCSI targets with their LUN maps, and the iSCSI portal. Single-node for now (the
 * replication issue puts a Raft group behind each volume).
 */
public final class BlockraftNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockraftNode.class);

  private final NodeConfig config;
  private final BlockStore store;
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
    BlockStore store = RocksBlockStore.open(config.dataDir().resolve("blocks"));
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    ExecutorService io = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "volume-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      Map<String, ReplicatedVolume> volumes = openVolumes(config, store, io);
      Map<String, ScsiTarget> targets = new LinkedHashMap<>();
      for (NodeConfig.Target t : config.targets()) {
        ScsiTarget st = new ScsiTarget(t.name());
        Map<String, LogicalUnit> lus = new HashMap<>();
        for (NodeConfig.Lun l : t.luns()) {
          // one LogicalUnit per (volume, access mode): SCSI state (UAs, reservations) is per LU
          LogicalUnit lu = lus.computeIfAbsent(l.volume() + (l.readOnly() ? ":ro" : ":rw"),
              k -> new LogicalUnit(volumes.get(l.volume()), l.readOnly()));
          st.map(l.lun(), lu);
        }
        targets.put(t.name().toLowerCase(Locale.ROOT), st);
      }
      String address = config.portalHost() + ":" + config.portalPort() + "," + config.nodeId();
      List<TargetInfo> infos = config.targets().stream().map(t -> new TargetInfo(t.name(), t.alias(),
          List.of(address), t.chap() == null ? null : new ChapCredentials(t.chap().user(),
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
      return new BlockraftNode(config, store, io, targets, portal);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(io, store);
      throw new IllegalStateException("interrupted while starting the portal", e);
    } catch (RuntimeException e) {
      shutdown(io, store);
      throw e;
    }
  }

  private static Map<String, ReplicatedVolume> openVolumes(NodeConfig config, BlockStore store,
      ExecutorService io) {
    LocalVolumes opener = new LocalVolumes(store, io);
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
    store.close();
  }
}
