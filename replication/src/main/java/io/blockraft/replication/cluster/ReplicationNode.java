package io.blockraft.replication.cluster;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.VolumeUnavailableException;
import io.blockraft.replication.volume.RaftVolume;
import io.blockraft.replication.volume.VolumeSpec;
import io.blockraft.replication.volume.VolumeStateMachine;
import io.blockraft.storage.RocksConfig;
import java.io.IOException;
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

    /** {@code host:port} ({@code [v6]:port} for an IPv6 literal). */
    public String address() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    static Member parse(int id, String address) {
      int colon = address.lastIndexOf(':');
      String h = address.substring(0, colon);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      return new Member(id, h, Integer.parseInt(address.substring(colon + 1)));
    }

    RaftPeer peer(int priority) {
      return RaftPeer.newBuilder().setId(peerId()).setAddress(address()).setPriority(priority).build();
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
  /** Membership operations (they can wait long for a new replica to catch up). */
  private final ExecutorService admin = Executors.newSingleThreadExecutor(r -> daemon(r, "replication-admin"));
  /** Adding this node's replica groups: never queued behind a membership operation that awaits it. */
  private final ExecutorService groups = Executors.newSingleThreadExecutor(r -> daemon(r, "replication-groups"));
  /** Snapshot requests, one at a time. */
  private final ExecutorService snapshots = Executors.newSingleThreadExecutor(r -> daemon(r, "replication-snapshots"));
  /** Asks groups' leaders whether replicas here still count (blocking RPCs: not on {@link #groups}). */
  private final ExecutorService retiring = Executors.newSingleThreadExecutor(r -> daemon(r, "replication-retire"));
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Map<RaftGroupId, VolumeStateMachine> machines = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<RaftVolume>> volumes = new ConcurrentHashMap<>();
  private final Map<RaftGroupId, RaftClient> clients = new ConcurrentHashMap<>();
  private final MetadataStateMachine metadata;
  private final RaftServer server;
  private volatile RaftClient metaClient;
  private final Membership membership;
  private final ReplicaRetirement retirement;
  private volatile boolean closed;

  private ReplicationNode(Options options, MetaTransforms transforms, ExecutorService io) throws IOException {
    this.options = options;
    this.transforms = transforms;
    this.io = io;
    Map<Integer, String> initial = new java.util.TreeMap<>();
    for (Member m : options.members()) {
      initial.put(m.id(), m.address());
    }
    this.metadata = new MetadataStateMachine(initial, this::onVolumeRecord);
    this.membership = new Membership(this, metadata, admin);
    Member me = options.selfMember();
    this.server = RaftServer.newBuilder()
        .setServerId(me.peerId())
        .setProperties(RatisSettings.server(options.dataDir().resolve("raft"), me.host(), me.port()))
        .setStateMachineRegistry(this::stateMachine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    this.retirement = new ReplicaRetirement(server, me.peerId(), retiring, () -> closed, this::retireReplica);
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
        n.retirement.check(g, ReplicaRetirement.RETRY_MS); // removed or replaced while down?
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

  RaftGroup volumeGroup(VolumeRecord r) {
    List<RaftPeer> peers = new ArrayList<>();
    for (int i = 0; i < r.replicas().size(); i++) {
      Member m = member(r.replicas().get(i));
      // the first replica is the preferred leader: Ratis hands leadership to the highest priority
      peers.add(m.peer(i == 0 ? 1 : 0));
    }
    return RaftGroup.valueOf(r.groupId(), peers);
  }

  /** A member's endpoint: from the config, or from the metadata group (nodes added later). */
  Member member(int id) {
    return options.members().stream().filter(m -> m.id() == id).findFirst().orElseGet(() -> {
      String a = metadata.members().get(id);
      if (a == null) {
        throw new IllegalStateException("node " + id + " is not a cluster member");
      }
      return Member.parse(id, a);
    });
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
      sm.onSnapshotDue(() -> snapshots.execute(() -> {
        try {
          snapshot(id);
        } finally {
          sm.snapshotRequestDone();
        }
      }));
      return sm;
    });
  }

  private Path home(RaftGroupId g) {
    return options.dataDir().resolve("volumes").resolve(g.getUuid().toString());
  }

  /**
   * Adds {@code group} here and watches that this replica really receives its log (see {@link
   * #watchRejoin}).
   */
  private void addGroup(RaftGroup group) throws IOException {
    addGroup(group, true);
  }

  /** @param format false to reuse the storage a failed attempt left behind */
  private void addGroup(RaftGroup group, boolean format) throws IOException {
    addGroupOnly(group, format);
    watchRejoin(group.getGroupId(), System.nanoTime());
  }

  /**
   * A replica added empty to a group whose leader already knew this peer (the node's data was
   * wiped and it rejoined with the same id) is never sent the log: Ratis's leader keeps the peer's
   * old match index and never moves its next index below it, so the empty replica answers
   * "inconsistent" forever. Such a replica (a leader is known, nothing applied, no snapshot being
   * installed, its log still empty after {@link
   * #REJOIN_AFTER_NANOS}) asks the group to drop and re-add it: the leader then tracks it afresh
   * and catches it up by snapshot install plus log replay. A replica whose log fills (a new
   * group, a new member) stops being watched.
   */
  private void watchRejoin(RaftGroupId g, long since) {
    if (closed) {
      return;
    }
    boolean again;
    try {
      RaftServer.Division d = server.getDivision(g);
      boolean empty = d.getRaftLog().getLastEntryTermIndex() == null && d.getInfo().getLastAppliedIndex() < 0;
      RaftPeerId leader = d.getInfo().getLeaderId();
      if (!empty) {
        return;
      }
      org.apache.ratis.util.LifeCycle.State sm = d.getStateMachine().getLifeCycleState();
      if (sm == org.apache.ratis.util.LifeCycle.State.PAUSING || sm == org.apache.ratis.util.LifeCycle.State.PAUSED) {
        // a snapshot is being installed: the leader is catching this replica up
        CompletableFuture.runAsync(() -> watchRejoin(g, System.nanoTime()),
            CompletableFuture.delayedExecutor(500, java.util.concurrent.TimeUnit.MILLISECONDS, groups));
        return;
      }
      if (leader != null && !d.getInfo().isLeader() && System.nanoTime() - since > REJOIN_AFTER_NANOS) {
        rejoin(d);
        return;
      }
      again = System.nanoTime() - since < REJOIN_WATCH_NANOS;
    } catch (IOException | RuntimeException e) {
      log.warn("node {}: watching group {} failed: {}", options.self(), g, e.toString());
      return;
    }
    if (again) {
      CompletableFuture.runAsync(() -> watchRejoin(g, since),
          CompletableFuture.delayedExecutor(500, java.util.concurrent.TimeUnit.MILLISECONDS, groups));
    }
  }

  private static final long REJOIN_AFTER_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
  private static final long REJOIN_WATCH_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

  private void rejoin(RaftServer.Division d) throws IOException {
    List<RaftPeer> peers = List.copyOf(d.getGroup().getPeers());
    RaftPeerId me = options.selfMember().peerId();
    List<RaftPeer> without = peers.stream().filter(p -> !p.getId().equals(me)).toList();
    log.info("node {}: group {} sends this empty replica nothing (its leader remembers the replica"
        + " from before its data was lost): asking the group to drop and re-add it", options.self(), d.getGroup().getGroupId());
    try (RaftClient c = RaftClient.newBuilder().setProperties(RatisSettings.client())
        .setRaftGroup(RaftGroup.valueOf(d.getGroup().getGroupId(), without)).build()) {
      RaftClientReply r1 = c.admin().setConfiguration(without);
      if (!r1.isSuccess()) {
        throw new IOException("dropping the replica failed: " + r1.getException());
      }
      RaftClientReply r2 = c.admin().setConfiguration(peers);
      if (!r2.isSuccess()) {
        throw new IOException("re-adding the replica failed: " + r2.getException());
      }
    }
  }

  private void addGroupOnly(RaftGroup group, boolean format) throws IOException {
    RaftClientReply r;
    try {
      r = server.groupManagement(GroupManagementRequest.newAdd(clientId,
          options.selfMember().peerId(), callIds.incrementAndGet(), group, format));
    } catch (AlreadyExistsException e) {
      return;
    }
    if (!r.isSuccess() && !String.valueOf(r.getException()).contains("AlreadyExists")) {
      throw new IOException("cannot add group " + group.getGroupId() + ": " + r.getException());
    }
  }

  /** A CREATE or replica change was applied in the metadata group (apply thread: hand off). */
  private void onVolumeRecord(VolumeRecord r) {
    if (closed) {
      return;
    }
    if (!r.replicas().contains(options.self())) {
      if (machines.containsKey(r.groupId())) {
        retirement.check(r.groupId(), 0); // moved away: retire once the group's leader agrees
      }
      return;
    }
    groups.execute(() -> openReplica(r, 1));
  }

  /**
   * Adds this node's replica of {@code r} (when missing) and publishes it. Retried a few times: a
   * group add can lose a race inside Ratis when the leader already contacts the new peer while
   * the group starts (Ratis 3.1: "previous != null" from RoleInfo).
   */
  private void openReplica(VolumeRecord r, int attempt) {
    if (closed) {
      return;
    }
    try {
      RaftGroupId g = r.groupId();
      if (!groupIds().contains(g)) {
        r.spec().writeTo(home(g));
        if (attempt > 1) {
          VolumeStateMachine stale = machines.remove(g); // from the failed attempt
          if (stale != null) {
            try {
              stale.close();
            } catch (IOException | RuntimeException e) {
              log.debug("closing the state machine of a failed group add: {}", e.toString());
            }
          }
        }
        addGroup(volumeGroup(r), attempt == 1);
        log.info("node {}: replica of volume {} added (group {}, nodes {})", options.self(), r.name(),
            g, r.replicas());
      }
      volumeReady(g);
    } catch (IOException | RuntimeException e) {
      if (attempt < 6) {
        log.info("node {}: opening the replica of volume {} failed (attempt {}): {}; retrying",
            options.self(), r.name(), attempt, e.toString());
        CompletableFuture.runAsync(() -> openReplica(r, attempt + 1),
            CompletableFuture.delayedExecutor(attempt * 500L, java.util.concurrent.TimeUnit.MILLISECONDS, groups));
      } else {
        log.warn("node {}: cannot open the replica of volume {}: {}", options.self(), r.name(), e.toString());
      }
    }
  }

  /**
   * Removes group {@code g} from this node's Raft server (its Raft storage deleted), forgets the
   * replica and deletes its database and data log ({@link ReplicaRetirement} decided the group no
   * longer counts this node). A LUN still open over it answers NOT READY from then on.
   */
  private void retireReplica(RaftGroupId g) {
    VolumeStateMachine sm = machines.get(g);
    String name = sm == null ? g.toString() : sm.spec().name();
    try {
      RaftClientReply r = server.groupManagement(GroupManagementRequest.newRemove(clientId,
          options.selfMember().peerId(), callIds.incrementAndGet(), g, true, false));
      if (!r.isSuccess()) {
        throw new IOException(String.valueOf(r.getException()));
      }
    } catch (IOException e) {
      log.warn("node {}: cannot remove the retired replica of volume {}: {}", options.self(), name, e.toString());
      return;
    }
    RaftClient c = clients.remove(g);
    if (c != null) {
      closeQuietly(c);
    }
    try {
      VolumeStateMachine.deleteReplica(home(g));
    } catch (java.io.UncheckedIOException e) {
      log.warn("node {}: removing {} failed: {}", options.self(), home(g), e.toString());
    }
    // forgotten last: once machine(name) is null the replica is gone from disk too
    if (sm != null) {
      volumes.remove(name);
    }
    machines.remove(g);
    log.info("node {}: replica of volume {} retired (group {} no longer counts this node)", options.self(), name, g);
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
      // creation gap 1: Ratis's default (1024 entries since the last snapshot) declines size-driven
      // requests when writes are large
      server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId,
          options.selfMember().peerId(), g, callIds.incrementAndGet(), 60_000, 1));
    } catch (IOException | RuntimeException e) {
      log.warn("snapshot of group {} failed: {}", g, e.toString());
    }
  }

  RaftClient metaClient() {
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

  /** Cluster members (id -> Raft address) as this node has applied them. */
  public Map<Integer, String> members() {
    return metadata.members();
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
   * {@code dead} (see {@link Membership#replaceNode}).
   */
  public CompletableFuture<Void> replaceNode(int dead, int fresh) {
    return membership.replaceNode(dead, fresh);
  }

  /** Adds a started node to the cluster (see {@link Membership#addNode}). */
  public CompletableFuture<Void> addNode(Member m) {
    return membership.addNode(m);
  }

  /** Removes a node, moving its replicas (see {@link Membership#removeNode}). */
  public CompletableFuture<Void> removeNode(int id) {
    return membership.removeNode(id);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    admin.shutdownNow();
    groups.shutdownNow();
    snapshots.shutdownNow();
    retiring.shutdownNow();
    // the server first: a write it bounces while stopping must not meet an already-closed client
    try {
      server.close();
    } catch (IOException e) {
      log.warn("closing the Raft server: {}", e.toString());
    }
    clients.values().forEach(ReplicationNode::closeQuietly);
    if (metaClient != null) {
      closeQuietly(metaClient);
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
