package io.blockraft.replication.cluster;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes and deletes a volume replica its group no longer counts: the node was removed or
 * replaced while it was down (it comes back with the group on disk, and no longer in the metadata
 * group, so its own table never learns), or a replica change moved the volume away while it was
 * up. Without this the replica stayed open until the next restart, and after one its Raft
 * division, RocksDB and data log came back forever.
 *
 * <p>Only the group's current leader decides, and only once: a replica asks the peers of its own
 * (possibly old) configuration, and those their groups name, for the group's information, and
 * retires when a peer that
 * <em>leads</em> the group in a term at least this replica's current term reports a group
 * without this node and no longer replicates to it (so not in a joint change), twice, {@link
 * #CONFIRM_DELAY_MS} apart. A stale leader cannot pass (its term is behind the one this replica
 * learned when it was added), nor can a replica that was itself removed earlier (it does not
 * lead). Asked at start-up for every volume group found on disk and whenever the table moves a
 * replica away from this node; a group whose leader says it still counts this node is left
 * alone, and one with no leader reachable is asked again for up to {@link #GIVE_UP_MS}.
 */
final class ReplicaRetirement {
  private static final Logger log = LoggerFactory.getLogger(ReplicaRetirement.class);

  static final long RETRY_MS = 2000;
  static final long CONFIRM_DELAY_MS = 2000;
  static final long GIVE_UP_MS = TimeUnit.MINUTES.toMillis(10);

  private final RaftServer server;
  private final RaftPeerId self;
  private final Executor executor;
  private final BooleanSupplier closed;
  /** Removes the group from the server and forgets and deletes its replica. */
  private final Consumer<RaftGroupId> retire;

  ReplicaRetirement(RaftServer server, RaftPeerId self, Executor executor, BooleanSupplier closed,
      Consumer<RaftGroupId> retire) {
    this.server = server;
    this.self = self;
    this.executor = executor;
    this.closed = closed;
    this.retire = retire;
  }

  /** Starts asking about group {@code g} after {@code delayMs}. */
  void check(RaftGroupId g, long delayMs) {
    later(() -> step(g, System.nanoTime(), false), delayMs);
  }

  private void later(Runnable r, long delayMs) {
    CompletableFuture.runAsync(r, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS, executor));
  }

  /** The leader's verdict on whether the group counts this node. */
  enum Verdict { MEMBER, NOT_MEMBER, UNKNOWN }

  private void step(RaftGroupId g, long since, boolean seenOnce) {
    if (closed.getAsBoolean()) {
      return;
    }
    Verdict v;
    try {
      v = ask(server.getDivision(g));
    } catch (IOException e) {
      return; // no longer open here
    } catch (RuntimeException e) {
      log.debug("asking about group {} failed: {}", g, e.toString());
      v = Verdict.UNKNOWN;
    }
    if (v == Verdict.MEMBER) {
      return;
    }
    if (v == Verdict.NOT_MEMBER && seenOnce) {
      retire.accept(g);
      return;
    }
    if (v == Verdict.NOT_MEMBER) {
      later(() -> step(g, since, true), CONFIRM_DELAY_MS);
    } else if (System.nanoTime() - since < TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MS)) {
      later(() -> step(g, since, false), RETRY_MS);
    } else {
      log.info("group {}: no leader answered within {} min; this replica stays", g, GIVE_UP_MS / 60_000);
    }
  }

  /**
   * Asks the peers of this replica's configuration, and the peers their groups name (the group
   * may have moved entirely to nodes this replica never knew), until one decides.
   */
  private Verdict ask(RaftServer.Division d) {
    if (d.getInfo().isLeader()) {
      return Verdict.MEMBER;
    }
    long myTerm = d.getInfo().getCurrentTerm();
    RaftGroupId g = d.getGroup().getGroupId();
    java.util.Map<RaftPeerId, RaftPeer> toAsk = new java.util.LinkedHashMap<>();
    d.getRaftConf().getAllPeers().forEach(p -> toAsk.putIfAbsent(p.getId(), p));
    java.util.Set<RaftPeerId> asked = new java.util.HashSet<>(List.of(self));
    while (true) {
      RaftPeer p = toAsk.values().stream().filter(q -> !asked.contains(q.getId())).findFirst().orElse(null);
      if (p == null) {
        return Verdict.UNKNOWN;
      }
      asked.add(p.getId());
      GroupInfoReply r;
      try (RaftClient c = RaftClient.newBuilder().setProperties(RatisSettings.client())
          .setRaftGroup(RaftGroup.valueOf(g, p)).setClientId(ClientId.randomId())
          .setRetryPolicy(RetryPolicies.noRetry()).build()) {
        r = c.getGroupManagementApi(p.getId()).info(g);
      } catch (IOException | RuntimeException e) {
        continue; // down, or no longer has the group
      }
      Verdict v = verdict(r.getRoleInfoProto(), r.getGroup().getPeers().stream().map(RaftPeer::getId).toList(),
          myTerm, self);
      if (v != Verdict.UNKNOWN) {
        return v;
      }
      r.getGroup().getPeers().forEach(q -> toAsk.putIfAbsent(q.getId(), q));
    }
  }

  /**
   * What one peer's group information says: only a leader in a term at least {@code myTerm}
   * decides. Not a member: neither in the leader's group (its current configuration) nor among
   * the followers it replicates to (during a joint change it still replicates to the old peers;
   * Ratis's group information carries no configuration proto to tell that otherwise).
   */
  static Verdict verdict(RoleInfoProto role, Collection<RaftPeerId> groupPeers, long myTerm, RaftPeerId self) {
    if (role == null || role.getRole() != RaftPeerRole.LEADER || !role.hasLeaderInfo()
        || role.getLeaderInfo().getTerm() < myTerm) {
      return Verdict.UNKNOWN;
    }
    if (groupPeers.contains(self)) {
      return Verdict.MEMBER;
    }
    boolean replicatedTo = role.getLeaderInfo().getFollowerInfoList().stream()
        .anyMatch(f -> f.getId().getId().equals(self.toByteString()));
    return replicatedTo ? Verdict.UNKNOWN : Verdict.NOT_MEMBER;
  }
}
