package io.blockraft.replication.cluster;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.grpc.server.GrpcServicesImpl;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.util.CodeInjectionForTesting;

/**
 * Cuts one peer off the Raft traffic of an in-process cluster, through the injection points Ratis
 * keeps for its own tests (the model is Ratis's {@code BlockRequestHandlingInjection} in
 * ratis-server's tests). Every group on the peer is affected: the volumes' and the metadata
 * group's.
 *
 * <ul>
 *   <li>{@link #partition}: every AppendEntries (heartbeats included), RequestVote (pre-votes
 *       included), InstallSnapshot and StartLeaderElection handled by the cut peer or sent by it
 *       fails where it is handled, as if the connection had dropped, and so does every ReadIndex
 *       request the cut peer sends or is sent.
 *   <li>{@link #pause}: the same server-to-server requests block on a latch where they are
 *       handled, and go through, late, when {@link #heal} releases them: a stalled node whose
 *       messages arrive after the others have moved on. ReadIndex is left alone here (it is
 *       injected on the sending thread, which may be one of Ratis's own); a follower's ReadIndex
 *       answer only lets a read through after the entries up to it are applied locally, and the
 *       pause holds those back.
 * </ul>
 *
 * <p>Raft <em>client</em> traffic (a follower forwarding a write to the leader) has no injection
 * point and is not cut: a write submitted on the cut peer may still commit on the other side,
 * but cannot complete on the cut peer, which has to apply it first.
 *
 * <p>The injection points are JVM-global: one instance at a time, closed after the test.
 */
final class RaftTrafficFaults implements AutoCloseable {

  // RaftServerImpl's constants are package-private; these are their values in Ratis 3.2.1. The
  // counters let a test assert that the fault really met traffic (so a renamed point fails loudly).
  static final String APPEND_ENTRIES = "RaftServerImpl.appendEntries";
  static final String REQUEST_VOTE = "RaftServerImpl.requestVote";
  static final String INSTALL_SNAPSHOT = "RaftServerImpl.installSnapshot";
  static final String START_LEADER_ELECTION = "RaftServerImpl.startLeaderElection";
  static final String SEND_SERVER_REQUEST = GrpcServicesImpl.GRPC_SEND_SERVER_REQUEST;

  private static final List<String> HANDLED =
      List.of(APPEND_ENTRIES, REQUEST_VOTE, INSTALL_SNAPSHOT, START_LEADER_ELECTION);

  private enum Mode { DROP, BLOCK }

  private record Cut(String peer, Mode mode, CountDownLatch release) {
    boolean involves(Object a, Object b) {
      return peer.equals(String.valueOf(a)) || peer.equals(String.valueOf(b));
    }
  }

  private volatile Cut cut;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong blocked = new AtomicLong();

  private RaftTrafficFaults() {}

  /** Installs the injection points (no fault yet). */
  static RaftTrafficFaults install() {
    RaftTrafficFaults f = new RaftTrafficFaults();
    for (String point : HANDLED) {
      CodeInjectionForTesting.put(point, (local, remote, args) -> f.onHandle(point, local, remote));
    }
    CodeInjectionForTesting.put(SEND_SERVER_REQUEST, (local, remote, args) -> f.onSend(args));
    return f;
  }

  /** Drops all Raft traffic to and from {@code peer} (e.g. "n1") until {@link #heal}. */
  void partition(String peer) {
    cut = new Cut(peer, Mode.DROP, null);
  }

  /** Holds all Raft requests to and from {@code peer} until {@link #heal} lets them through. */
  void pause(String peer) {
    cut = new Cut(peer, Mode.BLOCK, new CountDownLatch(1));
  }

  /** Ends the fault; held requests proceed. */
  void heal() {
    Cut c = cut;
    cut = null;
    if (c != null && c.release() != null) {
      c.release().countDown();
    }
  }

  /** Requests failed so far. */
  long dropped() {
    return dropped.get();
  }

  /** Requests held so far. */
  long blocked() {
    return blocked.get();
  }

  @Override
  public void close() {
    heal();
    HANDLED.forEach(CodeInjectionForTesting::remove);
    CodeInjectionForTesting.remove(SEND_SERVER_REQUEST);
  }

  /** Where a request is handled: {@code local} handles a request sent by {@code remote}. */
  private boolean onHandle(String point, Object local, Object remote) {
    Cut c = cut;
    if (c == null || !c.involves(local, remote)) {
      return false;
    }
    if (c.mode() == Mode.DROP) {
      dropped.incrementAndGet();
      throw sneaky(new IOException("injected partition: " + point + " " + remote + " -> " + local));
    }
    blocked.incrementAndGet();
    try {
      // bounded only so that a test that forgot to heal cannot wedge the JVM
      c.release().await(5, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  /** Where a follower sends ReadIndex to the leader (the only request this point may fail). */
  private boolean onSend(Object[] args) {
    Cut c = cut;
    if (c == null || c.mode() != Mode.DROP || args.length == 0
        || !(args[0] instanceof ReadIndexRequestProto r)) {
      return false;
    }
    RaftRpcRequestProto s = r.getServerRequest();
    if (!c.involves(s.getRequestorId().toStringUtf8(), s.getReplyId().toStringUtf8())) {
      return false;
    }
    dropped.incrementAndGet();
    throw sneaky(new IOException("injected partition: readIndex " + s.getRequestorId().toStringUtf8()
        + " -> " + s.getReplyId().toStringUtf8()));
  }

  /**
   * Throws a checked exception through {@link CodeInjectionForTesting.Code#execute}, which declares
   * none: every point above sits in a method that throws IOException, and Ratis turns that into a
   * failed reply, as for a broken connection.
   */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
    throw (E) e;
  }
}
