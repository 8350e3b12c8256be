package io.blockraft.replication.volume;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.impl.RaftClientImpl;
import org.apache.ratis.client.impl.UnorderedAsync;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;

/**
 * {@link RaftVolume#awaitReplicas}: asks every other replica of the group, directly, whether it
 * has applied the last index applied here (a Ratis stale read with that index as its minimum, which {@link
 * VolumeStateMachine#queryStale} answers only once applied). A replica that has not even
 * committed that far yet refuses at once with a stale-read error and is asked again a moment
 * later; one that cannot be reached (its process is gone, it no longer has the group) is given
 * up at once. Completes with true when every replica confirmed, false otherwise, at the latest
 * after {@code maxWaitMillis} (a replica cut off by the network never answers); never
 * exceptionally.
 *
 * <p>Applied, not just committed: a replica raises a reset's unit attention, or starts checking
 * commands against a new reservation, when it applies the entry; a Ratis ALL_COMMITTED watch
 * (used before) let the answer go out between another node's commit and its apply. The question
 * goes straight to each replica, through a client of the group's current configuration that
 * does not retry, so it works the same whether this node leads or follows.
 */
final class AppliedEverywhere {

  private AppliedEverywhere() {}

  /**
   * Asks every replica of {@code groupId} other than {@code server}'s whether it has applied
   * {@code index}; true when all confirmed, false otherwise, at the latest after
   * {@code maxWaitMillis}; never exceptionally.
   */
  static CompletableFuture<Boolean> ask(RaftServer server, RaftGroupId groupId, long index,
      long maxWaitMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    List<CompletableFuture<Boolean>> asks = new ArrayList<>();
    RaftClient probe;
    try {
      RaftServer.Division division = server.getDivision(groupId);
      RaftProperties props = new RaftProperties();
      RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
      probe = RaftClient.newBuilder().setProperties(props)
          .setRaftGroup(division.getGroup()).setClientId(ClientId.randomId())
          .setRetryPolicy(RetryPolicies.noRetry()).build();
      for (RaftPeer peer : division.getGroup().getPeers()) {
        if (!peer.getId().equals(division.getId())) {
          asks.add(appliedAt((RaftClientImpl) probe, peer.getId(), index, deadline));
        }
      }
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(v -> asks.stream().allMatch(CompletableFuture::join))
        .whenComplete((all, e) -> {
          try {
            probe.close();
          } catch (IOException ignored) {
            // closing anyway
          }
        });
  }

  /** True once {@code peer} has applied {@code index}; false when unreachable or at {@code deadline}. */
  private static CompletableFuture<Boolean> appliedAt(RaftClientImpl probe, RaftPeerId peer,
      long index, long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<RaftClientReply> ask;
    try {
      // unordered: AsyncApi.sendStaleRead is an ordered request in a per-server sliding window
      // of the client, whose sequence numbers a leader that also receives that client's ordered
      // writes mixes up (a forwarded write hung in ThreeNodeReplicationTest)
      ask = UnorderedAsync.send(RaftClientRequest.staleReadRequestType(index), Message.EMPTY, peer, probe);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
    return ask.orTimeout(left, TimeUnit.NANOSECONDS).handle((r, e) -> {
      if (e == null) {
        return r.isSuccess() ? Boolean.TRUE : null;
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null
          ? e.getCause() : e;
      // refused (not committed that far yet): ask again; anything else: unreachable, or out of time
      return cause instanceof StateMachineException ? null : Boolean.FALSE;
    }).thenCompose(answer -> answer != null ? CompletableFuture.completedFuture(answer)
        : CompletableFuture.supplyAsync(() -> null, APPLIED_RETRY_DELAY)
            .thenCompose(v -> appliedAt(probe, peer, index, deadline)));
  }

  private static final Executor APPLIED_RETRY_DELAY =
      CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);
}
