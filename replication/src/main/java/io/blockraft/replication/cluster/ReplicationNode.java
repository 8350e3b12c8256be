package io.blockraft.replication.cluster;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.VolumeUnavailableException;
import io.blockraft.replication.volume.RaftVolume;
import io.blockraft.replication.volume.VolumeSpec;
import io.blockraft.replication.volume.VolumeStateMachine;
import io.blockraft.storage.RocksConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication side of one node: one Ratis {@link RaftServer} hosting the cluster metadata
 * group (all members) and one group per volume replica this node holds (multi-Raft,
 * ARCHITECTURE.md, Cluster).
 *
 * <p>Volumes are created through the metadata group; when a CREATE (or a replica change) that
 * names this node is applied, the node writes the replica's {@link VolumeSpec} and adds the
 * volume's group locally. After a restart Ratis reopens every group found in the storage
 * directory. A node whose data was wiped rejoins the metadata group with an empty log, learns the
 * volume table from the leader, adds its volume groups empty, and those catch up by snapshot
 * install plus log replay.
 *
 * <p>Layout under the data directory: {@code raft/} (Ratis: logs and snapshots of every group)
 * and {@code volumes/<group-id>/} (each replica's live RocksDB, data log and spec).
 */
public final class ReplicationNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicationNode.class);

  /** The metadata group's id: the same on every node of every cluster (one cluster per node set). */
  public static final RaftGroupId METADATA_GROUP =
      RaftGroupId.valueOf(UUID.nameUUIDFromBytes("blockraft/metadata".getBytes(StandardCharsets.UTF_8)));

  /** A member node's Raft endpoint. */
  public record Member(int id, String host, int port) {
    public RaftPeerId peerId() {
      return peerId(id);
    }

    static RaftPeerId peerId(int id) {
      return RaftPeerId.valueOf("n" + id);
    }

    RaftPeer peer(int priority) {
      return RaftPeer.newBuilder().setId(peerId()).setAddress(host + ":" + port).setPriority(priority).build();
    }
  }

  /**
   * @param self this node's id
   * @param members every member, this node included
   * @param dataDir the node's data directory
   * @param replicas replicas per new volume (1..5, at most the member count)
   * @param rocks storage settings for each replica's database
   * @param snapshotBytes payload bytes applied after which a volume snapshots itself
   */
  public record Options(int self, List<Member> members, Path dataDir, int replicas, RocksConfig rocks,
      long snapshotBytes) {
    public Options {
      members = List.copyOf(members);
      if (members.stream().noneMatch(m -> m.id() == self)) {
        throw new IllegalArgumentException("members must include this node (" + self + ")");
      }
      if (replicas < 1 || replicas > 5 || replicas > members.size()) {
        throw new IllegalArgumentException("replicas must be 1..5 and at most the member count");
      }
    }

    Member selfMember() {
      return members.stream().filter(m -> m.id() == self).findFirst().orElseThrow();
    }
  }

  private final Options options;
  private final MetaTransforms transforms;
  private final ExecutorService io;
  private final ExecutorService admin = Executors.newSingleThreadExecutor(r -> daemon(r, "replication-admin"));
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Map<RaftGroupId, VolumeStateMachine> machines = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<RaftVolume>> volumes = new ConcurrentHashMap<>();
  private final Map<RaftGroupId, RaftClient> clients = new ConcurrentHashMap<>();
  private final MetadataStateMachine metadata;
  private final RaftServer server;
  private volatile RaftClient metaClient;
  private volatile boolean closed;

  private ReplicationNode(Options options, MetaTransforms transforms, ExecutorService io) throws IOException {
    this.options = options;
    this.transforms = transforms;
    this.io = io;
    this.metadata = new MetadataStateMachine(
        options.members().stream().map(Member::id).toList(), this::onVolumeRecord);
    Member me = options.selfMember();
    this.server = RaftServer.newBuilder()
        .setServerId(me.peerId())
        .setProperties(RatisSettings.server(options.dataDir().resolve("raft"), me.host(), me.port()))
        .setStateMachineRegistry(this::stateMachine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
  }

  /**
   * Starts the node's Raft server, joins (or, the first time, forms) the metadata group and
   * reopens every volume replica found on disk. Does not wait for a quorum.
   *
   * @param io executor for local reads (shared by the node's volumes)
   */
  public static ReplicationNode start(Options options, MetaTransforms transforms, ExecutorService io)
      throws IOException {
    ReplicationNode n = new ReplicationNode(options, transforms, io);
    n.server.start();
    List<RaftGroupId> existing = n.groupIds();
    if (!existing.contains(METADATA_GROUP)) {
      n.addGroup(n.metadataGroup());
      log.info("node {}: joined the metadata group {}", options.self(), n.metadataGroup().getPeers());
    }
    for (RaftGroupId g : existing) {
      if (!g.equals(METADATA_GROUP)) {
        n.volumeReady(g);
      }
    }
    return n;
  }

  public int self() {
    return options.self();
  }

  public RaftServer server() {
    return server;
  }

  private List<RaftGroupId> groupIds() {
    return StreamSupport.stream(server.getGroupIds().spliterator(), false).toList();
  }

  private RaftGroup metadataGroup() {
    return RaftGroup.valueOf(METADATA_GROUP, options.members().stream().map(m -> m.peer(0)).toList());
  }

  private RaftGroup volumeGroup(VolumeRecord r) {
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 0; i < r.replicas().size(); i++) {
      Member m = member(r.replicas().get(i));
      // the first replica is the preferred leader: Ratis hands leadership to the highest priority
      peers.add(m.peer(i == 0 ? 1 : 0));
    }
    return RaftGroup.valueOf(r.groupId(), peers);
  }

  private Member member(int id) {
    return options.members().stream().filter(m -> m.id() == id).findFirst()
        .orElseThrow(() -> new IllegalStateException("node " + id + " is not a configured member"));
  }

  private StateMachine stateMachine(RaftGroupId g) {
    if (g.equals(METADATA_GROUP)) {
      return metadata;
    }
    return machines.computeIfAbsent(g, id -> {
      Path home = home(id);
      VolumeSpec spec = VolumeSpec.readFrom(home);
      if (spec == null) {
        throw new IllegalStateException("group " + id + " has no volume spec in " + home);
      }
      VolumeStateMachine sm = new VolumeStateMachine(spec, home, transforms, options.rocks(),
          options.snapshotBytes());
      sm.onSnapshotDue(() -> admin.execute(() -> snapshot(id)));
      return sm;
    });
  }

  private Path home(RaftGroupId g) {
    return options.dataDir().resolve("volumes").resolve(g.getUuid().toString());
  }

  private void addGroup(RaftGroup group) throws IOException {
    RaftClientReply r;
    try {
      r = server.groupManagement(GroupManagementRequest.newAdd(clientId,
          options.selfMember().peerId(), callIds.incrementAndGet(), group));
    } catch (AlreadyExistsException e) {
      return;
    }
    if (!r.isSuccess() && !String.valueOf(r.getException()).contains("AlreadyExists")) {
      throw new IOException("cannot add group " + group.getGroupId() + ": " + r.getException());
    }
  }

  /** A CREATE or replica change was applied in the metadata group (apply thread: hand off). */
  private void onVolumeRecord(VolumeRecord r) {
    if (!r.replicas().contains(options.self()) || closed) {
      return;
    }
    admin.execute(() -> {
      try {
        RaftGroupId g = r.groupId();
        if (!groupIds().contains(g)) {
          r.spec().writeTo(home(g));
          addGroup(volumeGroup(r));
          log.info("node {}: replica of volume {} added (group {}, nodes {})", options.self(), r.name(),
              g, r.replicas());
        }
        volumeReady(g);
      } catch (IOException | RuntimeException e) {
        log.warn("node {}: cannot open the replica of volume {}: {}", options.self(), r.name(), e.toString());
      }
    });
  }

  private void volumeReady(RaftGroupId g) {
    VolumeStateMachine sm = machines.get(g);
    if (sm == null) {
      stateMachine(g);
      sm = machines.get(g);
    }
    RaftVolume v = new RaftVolume(sm, server, g, () -> client(g), io);
    volumes.computeIfAbsent(sm.spec().name(), k -> new CompletableFuture<>()).complete(v);
  }

  /**
   * The client that forwards this node's writes for group {@code g} to its leader, made on first
   * use: right after a restart the group's configuration may not be loaded yet.
   */
  private RaftClient client(RaftGroupId g) {
    RaftClient c = clients.get(g);
    if (c != null) {
      return c;
    }
    RaftGroup group;
    try {
      group = server.getDivision(g).getGroup();
    } catch (IOException e) {
      throw new VolumeUnavailableException("group " + g + " is not open here: " + e.getMessage());
    }
    if (group.getPeers().isEmpty()) {
      throw new VolumeUnavailableException("group " + g + " has no configuration yet");
    }
    return clients.computeIfAbsent(g, id -> RaftClient.newBuilder()
        .setProperties(RatisSettings.client()).setRaftGroup(group).setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(40,
            TimeDuration.valueOf(250, java.util.concurrent.TimeUnit.MILLISECONDS)))
        .build());
  }

  private void snapshot(RaftGroupId g) {
    try {
      server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId,
          options.selfMember().peerId(), g, callIds.incrementAndGet(), 60_000));
    } catch (IOException | RuntimeException e) {
      log.warn("snapshot of group {} failed: {}", g, e.toString());
    }
  }

  private RaftClient metaClient() {
    RaftClient c = metaClient;
    if (c == null) {
      synchronized (this) {
        if (metaClient == null) {
          metaClient = RaftClient.newBuilder().setProperties(RatisSettings.client())
              .setRaftGroup(metadataGroup()).setClientId(ClientId.randomId())
              .setRetryPolicy(RetryPolicies.retryForeverWithSleep(
                  TimeDuration.valueOf(250, java.util.concurrent.TimeUnit.MILLISECONDS)))
              .build();
        }
        c = metaClient;
      }
    }
    return c;
  }

  // ------------------------------------------------------------------ API

  /**
   * Creates a volume (no-op when the name exists) through the metadata group, placed on
   * {@code replicas} nodes. Completes with the table's record once committed.
   */
  public CompletableFuture<VolumeRecord> createVolume(String name, long blockCount, int blockSize) {
    return metaClient().async().send(MetadataStateMachine.create(name, blockCount, blockSize,
            UUID.randomUUID(), options.replicas()))
        .thenApply(r -> {
          if (!r.isSuccess()) {
            throw new VolumeUnavailableException("creating volume " + name + " failed: " + r.getException());
          }
          return MetadataStateMachine.decode(r.getMessage());
        });
  }

  /** The volume table as this node has applied it. */
  public List<VolumeRecord> volumeTable() {
    return metadata.volumes();
  }

  /** Completes when this node's replica of {@code name} is open (it may still lack a quorum). */
  public CompletableFuture<RaftVolume> volume(String name) {
    return volumes.computeIfAbsent(name, k -> new CompletableFuture<>());
  }

  /** This node's replica state machine of {@code name}, for tests and metrics; null when absent. */
  public VolumeStateMachine machine(String name) {
    return machines.values().stream().filter(m -> m.spec().name().equals(name)).findFirst().orElse(null);
  }

  /**
   * Replaces node {@code dead} by node {@code fresh} in every volume group that has a replica on
   * {@code dead}: the table changes first (so {@code fresh} adds the group), then the group's
   * configuration; the new replica catches up by snapshot install plus log replay.
   */
  public CompletableFuture<Void> replaceNode(int dead, int fresh) {
    return CompletableFuture.runAsync(() -> {
      for (VolumeRecord r : metadata.volumes()) {
        if (!r.replicas().contains(dead)) {
          continue;
        }
        List<Integer> ids = new ArrayList<>(r.replicas());
        ids.set(ids.indexOf(dead), fresh);
        try {
          RaftClientReply t = metaClient().io().send(MetadataStateMachine.setReplicas(r.name(), ids));
          if (!t.isSuccess()) {
            throw new IOException(String.valueOf(t.getException()));
          }
          VolumeRecord updated = r.withReplicas(ids);
          try (RaftClient c = RaftClient.newBuilder().setProperties(RatisSettings.client())
              .setRaftGroup(volumeGroup(r)).build()) {
            RaftClientReply s = c.admin().setConfiguration(List.copyOf(volumeGroup(updated).getPeers()));
            if (!s.isSuccess()) {
              throw new IOException(String.valueOf(s.getException()));
            }
          }
          log.info("volume {}: replica on node {} replaced by node {}", r.name(), dead, fresh);
        } catch (IOException e) {
          throw new UncheckedIOException("replacing node " + dead + " in volume " + r.name(), e);
        }
      }
    }, admin);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    admin.shutdownNow();
    clients.values().forEach(ReplicationNode::closeQuietly);
    if (metaClient != null) {
      closeQuietly(metaClient);
    }
    try {
      server.close();
    } catch (IOException e) {
      log.warn("closing the Raft server: {}", e.toString());
    }
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException | RuntimeException e) {
      // closing anyway
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
