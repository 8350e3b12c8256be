package io.blockraft.replication.volume;

import io.blockraft.replication.ForwardingVolume;
import io.blockraft.replication.MetaListener;
import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.replication.VolumeUnavailableException;
import io.blockraft.storage.LbaExtent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * A volume replicated by its own Raft group, as the SCSI layer on this node sees it
 * (ARCHITECTURE.md, data path).
 *
 * <p><b>Writes</b> (WRITE, WRITE SAME, UNMAP, COMPARE AND WRITE, resize, metadata) are one log
 * entry each, except that WRITEs in flight together share entries ({@link WriteBatcher}). On
 * the leader the request is handed to the local Raft server in-process; on a follower it is
 * forwarded to the leader by a Raft client. Either way the future completes only
 * when the entry is committed (persisted on a majority) <em>and</em> applied on this node: the
 * reply carries the entry's index and this replica waits until it has applied it. So SYNCHRONIZE
 * CACHE and FUA need nothing more: every acknowledged write is already on a majority's disks
 * ({@link #flush} completes at once, on purpose). I/O arriving at a follower never moves
 * leadership.
 *
 * <p><b>Reads</b> are linearizable on every node: a read first passes a {@link ReadBarrier}
 * (one Ratis linearizable read: on the leader its lease, or a heartbeat round; on a follower a
 * ReadIndex round with the leader and a wait until applied), then reads the local store. A node
 * that cannot reach a quorum fails the barrier, so it serves no data: the future fails with
 * {@link VolumeUnavailableException} (NOT READY).
 */
public final class RaftVolume implements ReplicatedVolume {

  /**
   * Most write data one log entry carries. A longer WRITE becomes several entries, all applied
   * before GOOD (SCSI makes no promise of atomicity for a multi-block write, and overlapping
   * concurrent commands have no defined order), which keeps appendEntries and the log's buffers
   * small.
   */
  public static final int MAX_ENTRY_PAYLOAD = 4 << 20;

  /**
   * Log entries of plain WRITEs in flight per volume on this node before further writes wait
   * and go together as one WRITE_BATCH entry ({@link WriteBatcher}).
   */
  static final int WRITE_ENTRIES_IN_FLIGHT =
      Integer.getInteger("blockraft.write.entriesInFlight", 2);

  private final VolumeStateMachine sm;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final Supplier<RaftClient> forwarder;
  private final Executor io;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final ReadBarrier barrier;
  private final WriteBatcher writes;
  private final byte[] uuid;

  public RaftVolume(VolumeStateMachine sm, RaftServer server, RaftGroupId groupId,
      Supplier<RaftClient> forwarder, Executor io) {
    this.sm = sm;
    this.server = server;
    this.groupId = groupId;
    this.forwarder = forwarder;
    this.io = io;
    this.uuid = sm.spec().uuid();
    this.barrier = new ReadBarrier(this::linearizableRead, io);
    this.writes = new WriteBatcher((op, payload) -> submit(op, payload, true), WRITE_ENTRIES_IN_FLIGHT,
        MAX_ENTRY_PAYLOAD);
  }

  public RaftGroupId groupId() {
    return groupId;
  }

  @Override
  public String name() {
    return sm.spec().name();
  }

  @Override
  public int logicalBlockSize() {
    return sm.spec().blockSize();
  }

  @Override
  public long blockCount() {
    return sm.blockCount();
  }

  @Override
  public byte[] uuid() {
    return uuid.clone();
  }

  /** Ready when this replica serves and knows a leader (the barrier decides each read). */
  @Override
  public boolean isReady() {
    DivisionInfo info = info();
    return sm.serving() && info != null && info.getLeaderId() != null;
  }

  /** True when this node's replica currently leads the group. */
  public boolean isLeader() {
    DivisionInfo info = info();
    return info != null && info.isLeader();
  }

  /** The id of the peer this replica believes leads the group, or null. */
  public String leaderId() {
    DivisionInfo info = info();
    return info == null || info.getLeaderId() == null ? null : info.getLeaderId().toString();
  }

  private DivisionInfo info() {
    try {
      return server.getDivision(groupId).getInfo();
    } catch (IOException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ reads

  @Override
  public CompletableFuture<Void> read(long lba, int count, ByteBuffer dst) {
    return barrier.next().thenApplyAsync(v -> {
      sm.read(lba, count, dst);
      return null;
    }, io);
  }

  @Override
  public CompletableFuture<LbaExtent> lbaStatus(long lba, long maxCount) {
    return barrier.next().thenApplyAsync(v -> sm.lbaStatus(lba, maxCount), io);
  }

  @Override
  public byte[] getMeta(String key) {
    return sm.getMeta(key);
  }

  @Override
  public byte[] watchMeta(String key, MetaListener listener) {
    return sm.watchMeta(key, listener);
  }

  /**
   * One Ratis linearizable read. A leader elected a moment ago answers "not ready" until its first
   * entry commits; that is retried (briefly) rather than turned into NOT READY for the initiator.
   */
  private CompletableFuture<Void> linearizableRead() {
    if (!isLeader()) {
      return followerRead();
    }
    return linearizableRead(System.nanoTime() + NOT_READY_RETRY_NANOS);
  }

  /**
   * A follower's read barrier: a linearizable query at the leader (its lease, or a ReadIndex
   * round there) answers the index of the last volume op the leader applied, which covers every
   * write acknowledged before this read began; once this replica has applied that far it may
   * serve the read. (Ratis's own follower read waits for the leader's commit index, which is
   * usually a log-metadata entry whose commit a follower learns only at the next heartbeat:
   * ~500 ms per read after a write.)
   */
  private CompletableFuture<Void> followerRead() {
    return followerRead(System.nanoTime() + NOT_READY_RETRY_NANOS);
  }

  /** As for a leader's read: an election in progress (no leader, or not ready) is waited out briefly. */
  private CompletableFuture<Void> followerRead(long deadline) {
    try {
      return forwarder.get().async().sendReadOnly(Message.EMPTY)
          .orTimeout(FORWARD_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)
          .exceptionally(e -> {
            throw unavailable(rootMessage(e));
          })
          .thenCompose(reply -> {
            if (!reply.isSuccess()) {
              if ((reply.getException() instanceof LeaderNotReadyException
                  || reply.getNotLeaderException() != null) && System.nanoTime() < deadline) {
                return CompletableFuture.supplyAsync(() -> null, RETRY_DELAY)
                    .thenCompose(v -> followerRead(deadline));
              }
              throw unavailable(reply);
            }
            long index = reply.getMessage().getContent().asReadOnlyByteBuffer().getLong(0);
            return sm.awaitApplied(index);
          });
    } catch (VolumeUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(unavailable(e.getMessage()));
    }
  }

  private CompletableFuture<Void> linearizableRead(long deadline) {
    RaftClientRequest req = request(Message.EMPTY, RaftClientRequest.readRequestType());
    try {
      return server.submitClientRequestAsync(req).thenCompose(reply -> {
        if (reply.isSuccess()) {
          return CompletableFuture.completedFuture(null);
        }
        if (reply.getException() instanceof LeaderNotReadyException && System.nanoTime() < deadline) {
          return CompletableFuture.supplyAsync(() -> null, RETRY_DELAY).thenCompose(v -> linearizableRead(deadline));
        }
        throw unavailable(reply);
      });
    } catch (IOException e) {
      return CompletableFuture.failedFuture(unavailable(e.getMessage()));
    }
  }

  /**
   * How long a write forwarded to the leader may take before the command fails with NOT READY
   * (the client keeps retrying through an election underneath): below the 30 s an initiator
   * usually allows a command.
   */
  static final long FORWARD_TIMEOUT_SECONDS = 20;

  /** How long a request keeps retrying a just-elected leader that is not ready yet. */
  private static final long NOT_READY_RETRY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
  private static final Executor RETRY_DELAY =
      CompletableFuture.delayedExecutor(20, java.util.concurrent.TimeUnit.MILLISECONDS);

  // ------------------------------------------------------------------ writes

  @Override
  public CompletableFuture<Void> write(long lba, int count, ByteBuffer src) {
    return write(lba, count, src, null);
  }

  private CompletableFuture<Void> write(long lba, int count, ByteBuffer src, byte[] issuer) {
    int bs = logicalBlockSize();
    int perEntry = MAX_ENTRY_PAYLOAD / bs;
    CompletableFuture<?>[] parts = new CompletableFuture<?>[(count + perEntry - 1) / perEntry];
    for (int i = 0, done = 0; done < count; i++) {
      int n = Math.min(perEntry, count - done);
      ByteBuffer payload = src.slice(src.position(), n * bs);
      src.position(src.position() + n * bs);
      // copied: the leader's log cache keeps the entry after the command completes and the
      // caller's (pooled) buffer is reused, and resends to a lagging follower read it from there
      parts[i] = writes.write(new VolumeOp.Write(lba + done, n, issuer), ByteString.copyFrom(payload))
          .thenAccept(RaftVolume::expectStatus);
      done += n;
    }
    return parts.length == 1 ? parts[0].thenApply(v -> null) : CompletableFuture.allOf(parts);
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify, ByteBuffer data) {
    return compareAndWrite(lba, count, verify, data, null);
  }

  private CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify,
      ByteBuffer data, byte[] issuer) {
    int bytes = count * logicalBlockSize();
    // copied, as for write: Ratis keeps the entry after the caller's buffers are released
    ByteString payload = ByteString.copyFrom(verify.slice(verify.position(), bytes))
        .concat(ByteString.copyFrom(data.slice(data.position(), bytes)));
    verify.position(verify.position() + bytes);
    data.position(data.position() + bytes);
    return submit(new VolumeOp.CompareWrite(lba, count, issuer), payload, false).thenApply(r -> {
      expectOk(r);
      return r.getLong(1);
    });
  }

  @Override
  public CompletableFuture<Void> unmap(long lba, long count) {
    return unmap(lba, count, null);
  }

  private CompletableFuture<Void> unmap(long lba, long count, byte[] issuer) {
    return submit(new VolumeOp.Unmap(lba, count, issuer), ByteString.EMPTY, true)
        .thenAccept(RaftVolume::expectOk);
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long lba, long count) {
    return writeZeroes(lba, count, null);
  }

  private CompletableFuture<Void> writeZeroes(long lba, long count, byte[] issuer) {
    return submit(new VolumeOp.WriteZeroes(lba, count, issuer), ByteString.EMPTY, true)
        .thenAccept(RaftVolume::expectOk);
  }

  /**
   * This volume with WRITE, COMPARE AND WRITE, UNMAP and WRITE ZEROES sent on behalf of {@code
   * issuer}: the node's write guard judges each at its place in the log, on every replica, and a
   * refused one fails with {@link io.blockraft.replication.WriteFencedException}, nothing changed.
   */
  @Override
  public ReplicatedVolume issuedBy(byte[] issuer) {
    if (issuer == null) {
      return this;
    }
    byte[] id = issuer.clone();
    return new ForwardingVolume(this) {
      @Override
      public CompletableFuture<Void> write(long lba, int count, ByteBuffer src) {
        return RaftVolume.this.write(lba, count, src, id);
      }

      @Override
      public CompletableFuture<Long> compareAndWrite(long lba, int count, ByteBuffer verify,
          ByteBuffer data) {
        return RaftVolume.this.compareAndWrite(lba, count, verify, data, id);
      }

      @Override
      public CompletableFuture<Void> unmap(long lba, long count) {
        return RaftVolume.this.unmap(lba, count, id);
      }

      @Override
      public CompletableFuture<Void> writeZeroes(long lba, long count) {
        return RaftVolume.this.writeZeroes(lba, count, id);
      }
    };
  }

  @Override
  public CompletableFuture<Void> resize(long newBlockCount) {
    return submit(new VolumeOp.Resize(newBlockCount), ByteString.EMPTY, true)
        .thenAccept(RaftVolume::expectOk);
  }

  /** Acknowledged writes are committed on a majority already: nothing to flush (see class comment). */
  @Override
  public CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> putMeta(String key, byte[] value) {
    return submit(new VolumeOp.PutMeta(key, value), ByteString.EMPTY, true).thenAccept(RaftVolume::expectOk);
  }

  @Override
  public CompletableFuture<byte[]> transformMeta(String key, byte[] op) {
    return submit(new VolumeOp.TransformMeta(key, op), ByteString.EMPTY, false).thenApply(r -> {
      if (r.get(0) == VolumeStateMachine.INVALID) {
        throw new IllegalArgumentException("no metadata transform registered for " + key);
      }
      expectOk(r);
      byte[] out = new byte[r.remaining() - 1];
      r.position(1);
      r.get(out);
      return out;
    });
  }

  /** See {@link AppliedEverywhere}: every other replica confirms it applied what this one has. */
  @Override
  public CompletableFuture<Boolean> awaitReplicas(long maxWaitMillis) {
    return AppliedEverywhere.ask(server, groupId, sm.lastApplied(), maxWaitMillis);
  }

  @Override
  public void onReplicaUnresponsive(java.util.function.IntConsumer listener) {
    sm.onReplicaUnresponsive(listener);
  }


  private static void expectOk(ByteBuffer reply) {
    expectStatus(reply.get(0));
  }

  private static void expectStatus(byte status) {
    if (status == VolumeStateMachine.OUT_OF_RANGE) {
      throw new IllegalArgumentException("range beyond the end of the volume");
    }
    if (status == VolumeStateMachine.FENCED) {
      throw new io.blockraft.replication.WriteFencedException("refused by a reservation at apply time");
    }
    if (status != VolumeStateMachine.OK) {
      throw new IllegalStateException("volume op rejected at apply time (status " + status + ")");
    }
  }

  /**
   * Appends one op: in-process when this replica leads, else forwarded by the Raft client.
   * Completes with the reply (status byte first) once the entry is applied here.
   *
   * @param idempotent whether a retry through the forwarder after an in-process attempt failed
   *     ambiguously is safe (true for plain writes; false for COMPARE AND WRITE and transforms)
   */
  private CompletableFuture<ByteBuffer> submit(VolumeOp op, ByteString payload, boolean idempotent) {
    byte[] header = VolumeOp.encode(op);
    ByteString content = ByteString.copyFrom(
        ByteBuffer.allocate(4 + header.length).putInt(header.length).put(header).flip()).concat(payload);
    Message msg = Message.valueOf(content);
    CompletableFuture<RaftClientReply> reply;
    if (isLeader()) {
      reply = submitLocal(msg).thenCompose(r -> {
        if (r.isSuccess()) {
          return CompletableFuture.completedFuture(r);
        }
        // never appended here (not the leader, or not ready yet): forwarding cannot apply it
        // twice; the forwarder's retries wait out a leader that is not ready
        if (r.getNotLeaderException() != null || r.getException() instanceof LeaderNotReadyException
            || idempotent) {
          return forward(msg);
        }
        throw unavailable(r);
      });
    } else {
      reply = forward(msg);
    }
    return reply.thenCompose(r -> {
      if (!r.isSuccess()) {
        throw unavailable(r);
      }
      ByteBuffer b = r.getMessage().getContent().asReadOnlyByteBuffer();
      // complete on the I/O executor: the SCSI layer's continuations must never run on (and
      // stall) Ratis's apply thread, which is where the local apply completes
      return sm.awaitApplied(r.getLogIndex()).thenApplyAsync(v -> b, io);
    });
  }

  private CompletableFuture<RaftClientReply> submitLocal(Message msg) {
    try {
      return server.submitClientRequestAsync(request(msg, RaftClientRequest.writeRequestType()));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(unavailable(e.getMessage()));
    }
  }

  private CompletableFuture<RaftClientReply> forward(Message msg) {
    try {
      return forwarder.get().async().send(msg)
          .orTimeout(FORWARD_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)
          .exceptionally(e -> {
            throw unavailable(rootMessage(e));
          });
    } catch (VolumeUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(unavailable(e.getMessage()));
    }
  }

  private RaftClientRequest request(Message msg, RaftClientRequest.Type type) {
    try {
      return RaftClientRequest.newBuilder().setClientId(clientId)
          .setServerId(server.getDivision(groupId).getId()).setGroupId(groupId)
          .setCallId(callIds.incrementAndGet()).setMessage(msg).setType(type).build();
    } catch (IOException e) {
      throw unavailable(e.getMessage());
    }
  }

  private VolumeUnavailableException unavailable(RaftClientReply r) {
    NotLeaderException nle = r.getNotLeaderException();
    String why = nle != null ? "no leader reachable" : r.getException() == null ? "request failed"
        : r.getException().getMessage();
    return unavailable(why);
  }

  private VolumeUnavailableException unavailable(String why) {
    return new VolumeUnavailableException("volume " + name() + " cannot serve: " + why);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
