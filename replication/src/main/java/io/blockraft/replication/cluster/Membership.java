package io.blockraft.replication.cluster;

import io.blockraft.replication.cluster.ReplicationNode.Member;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster membership changes of a {@link ReplicationNode}: adding a node, removing one (its
 * replicas move) and replacing a dead one. Each changes the metadata group's table first, so new
 * replicas add their groups when they apply it, then the Raft configurations. Runs on the node's
 * admin executor (a change can wait long for a new replica to catch up).
 */
final class Membership {
  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  private final ReplicationNode node;
  private final MetadataStateMachine metadata;
  private final ExecutorService admin;

  Membership(ReplicationNode node, MetadataStateMachine metadata, ExecutorService admin) {
    this.node = node;
    this.metadata = metadata;
    this.admin = admin;
  }

  private static List<RaftPeer> metadataPeers(Map<Integer, String> members) {
    return members.entrySet().stream().map(e -> Member.parse(e.getKey(), e.getValue()).peer(0)).toList();
  }

  /**
   * Replaces node {@code dead} by node {@code fresh} in every volume group that has a replica on
   * {@code dead}: the table changes first (so {@code fresh} adds the group), then the group's
   * configuration; the new replica catches up by snapshot install plus log replay.
   */
  public CompletableFuture<Void> replaceNode(int dead, int fresh) {
    return CompletableFuture.runAsync(() -> {
      for (VolumeRecord r : metadata.volumes()) {
        if (r.replicas().contains(dead) && !r.replicas().contains(fresh)) {
          List<Integer> ids = new ArrayList<>(r.replicas());
          ids.set(ids.indexOf(dead), fresh);
          changeReplicas(r, ids);
          log.info("volume {}: replica on node {} replaced by node {}", r.name(), dead, fresh);
        }
      }
    }, admin);
  }

  /**
   * Adds a node to the cluster: the metadata group's configuration gains it, then the table
   * records its address. Start the new node first (its config lists every member, itself
   * included); it holds no replica until volumes are created or moved onto it.
   */
  public CompletableFuture<Void> addNode(Member m) {
    return CompletableFuture.runAsync(() -> {
      Map<Integer, String> members = metadata.members();
      if (members.containsKey(m.id())) {
        return;
      }
      members.put(m.id(), m.address());
      try {
        RaftClientReply c = node.metaClient().admin().setConfiguration(metadataPeers(members));
        if (!c.isSuccess()) {
          throw new IOException(String.valueOf(c.getException()));
        }
        RaftClientReply t = node.metaClient().io().send(MetadataStateMachine.addNode(m.id(), m.address()));
        if (!t.isSuccess()) {
          throw new IOException(String.valueOf(t.getException()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("adding node " + m.id(), e);
      }
      log.info("node {} added to the cluster ({})", m.id(), m.address());
    }, admin);
  }

  /**
   * Removes a node: each of its replicas moves to the member holding the fewest replicas that
   * lacks one of that volume (or, with no such member, the volume keeps one replica fewer); then
   * the node leaves the metadata group. Works whether the node is up or dead.
   */
  public CompletableFuture<Void> removeNode(int id) {
    return CompletableFuture.runAsync(() -> {
      for (VolumeRecord r : metadata.volumes()) {
        if (!r.replicas().contains(id)) {
          continue;
        }
        List<Integer> ids = new ArrayList<>(r.replicas());
        Integer spare = leastLoadedOutside(ids, id);
        if (spare != null) {
          ids.set(ids.indexOf(id), spare);
        } else {
          ids.remove(Integer.valueOf(id));
        }
        changeReplicas(r, ids);
        log.info("volume {}: replica on node {} moved to {}", r.name(), id, spare == null ? "none" : spare);
      }
      Map<Integer, String> members = metadata.members();
      members.remove(id);
      try {
        RaftClientReply c = node.metaClient().admin().setConfiguration(metadataPeers(members));
        if (!c.isSuccess()) {
          throw new IOException(String.valueOf(c.getException()));
        }
        RaftClientReply t = node.metaClient().io().send(MetadataStateMachine.removeNode(id));
        if (!t.isSuccess()) {
          throw new IOException(String.valueOf(t.getException()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("removing node " + id, e);
      }
      log.info("node {} removed from the cluster", id);
    }, admin);
  }

  private Integer leastLoadedOutside(List<Integer> replicas, int leaving) {
    Map<Integer, Integer> load = new java.util.TreeMap<>();
    for (int m : metadata.members().keySet()) {
      if (m != leaving && !replicas.contains(m)) {
        load.put(m, 0);
      }
    }
    for (VolumeRecord v : metadata.volumes()) {
      for (int m : v.replicas()) {
        load.computeIfPresent(m, (k, n) -> n + 1);
      }
    }
    return load.entrySet().stream().min(Map.Entry.<Integer, Integer>comparingByValue()
        .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(null);
  }

  /**
   * Waits until node {@code id} has opened group {@code g} (it does when it applies the table
   * change). Changing the group's configuration before that makes the leader contact the peer
   * while its group starts, a race Ratis 3.1 can lose ("previous != null" in RoleInfo).
   */
  private void awaitGroupOn(int id, RaftGroupId g) throws IOException {
    Member m = node.member(id);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    try (RaftClient c = RaftClient.newBuilder().setProperties(RatisSettings.client())
        .setRaftGroup(RaftGroup.valueOf(g, m.peer(0)))
        .setRetryPolicy(RetryPolicies.noRetry()).build()) {
      while (true) {
        try {
          if (c.getGroupManagementApi(m.peerId()).info(g).isSuccess()) {
            return;
          }
        } catch (IOException | RuntimeException e) { // absent, or still starting ("uninitialized")
          if (System.nanoTime() > deadline) {
            throw new IOException("node " + id + " did not open group " + g + " within 60 s", e);
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("node " + id + " did not open group " + g + " within 60 s");
        }
        try {
          Thread.sleep(200); // admin operation poll, not I/O
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
  }

  /** Table first (new replicas add the group when they apply it), then the group's configuration. */
  private void changeReplicas(VolumeRecord r, List<Integer> ids) {
    try {
      RaftClientReply t = node.metaClient().io().send(MetadataStateMachine.setReplicas(r.name(), ids));
      if (!t.isSuccess()) {
        throw new IOException(String.valueOf(t.getException()));
      }
      VolumeRecord updated = r.withReplicas(ids);
      for (int id : ids) {
        if (!r.replicas().contains(id)) {
          awaitGroupOn(id, r.groupId());
        }
      }
      try (RaftClient c = RaftClient.newBuilder().setProperties(RatisSettings.client())
          .setRaftGroup(node.volumeGroup(r)).build()) {
        RaftClientReply s = c.admin().setConfiguration(List.copyOf(node.volumeGroup(updated).getPeers()));
        if (!s.isSuccess()) {
          throw new IOException(String.valueOf(s.getException()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("changing the replicas of volume " + r.name() + " to " + ids, e);
    }
  }
}
