package io.blockraft.replication.volume;

import io.blockraft.replication.MetaListener;
import io.blockraft.replication.MetaTransform;
import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.VolumeUnavailableException;
import io.blockraft.storage.LbaExtent;
import io.blockraft.storage.RocksBlockStore;
import io.blockraft.storage.RocksConfig;
import io.blockraft.storage.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine of one volume replica: a thin adapter that parses each committed
 * {@link VolumeOp} and applies it to a storage {@link Volume} (STYLE.md: thin Raft adapter).
 *
 * <p><b>Determinism.</b> Every op is evaluated at apply time, in log order, on every replica:
 * sub-block writes are read-modify-written inside the store, COMPARE AND WRITE compares against
 * the replica's own bytes, and metadata transforms run the registered pure function. An op that
 * no longer fits (an LBA beyond a capacity a concurrent resize reduced) fails the same way
 * everywhere and changes nothing.
 *
 * <p><b>Durability.</b> RocksDB's WAL is off: the Raft log (headers) plus the {@link DataLog}
 * (payloads) are the WAL. The store keeps the index of the last applied entry under {@value
 * #APPLIED_KEY}, written right after each entry (in the same batch for metadata transforms, which
 * are not idempotent). With atomic flushes, a crash leaves a prefix of the writes, so at most the
 * one entry after the stored index is partly or wholly present; replay skips what the store
 * already holds and re-applies from there (re-applying that single entry onto its own effect
 * gives the same bytes: writes are idempotent, and a COMPARE AND WRITE then miscompares or writes
 * the same data). Ratis restarts replay from its latest snapshot index, which can be older than
 * the stored index: entries in between are skipped, not re-applied.
 *
 * <p><b>Snapshots</b> are RocksDB checkpoints ({@link VolumeSnapshots}). The live database is in
 * {@code <home>/db}, outside the directory Ratis replaces when it installs a snapshot; after an
 * install the live database is rebuilt from the installed checkpoint ({@link #reinitialize}).
 */
public final class VolumeStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(VolumeStateMachine.class);

  static final String APPLIED_KEY = "raft.applied";
  /** Reply status bytes (first byte of every reply message). */
  static final byte OK = 0;
  static final byte OUT_OF_RANGE = 1;
  static final byte INVALID = 2;
  /** Refused by the node's write guard (a reservation): nothing changed. */
  static final byte FENCED = 3;

  /**
   * Ratis rolls (and can only purge) log segments by the bytes of the entries it stores, which are
   * our small headers: the data log would keep every payload until ~1.5 million writes filled a
   * segment. A payload-carrying header is padded with 1/64 of the payload's size, so a segment
   * (8 MiB, {@link io.blockraft.replication.cluster.RatisSettings}) rolls at most every 512 MiB of
   * payload and the purge after a snapshot frees the data log within that.
   */
  static final int PADDING_RATIO = 64;
  private static final ByteString LOG_PADDING = ByteString.copyFrom(new byte[RaftVolume.MAX_ENTRY_PAYLOAD * 2 / PADDING_RATIO]);

  private final VolumeSpec spec;
  private final Path home;
  private final MetaTransforms transforms;
  private final RocksConfig rocks;
  private final VolumeSnapshots snapshots = new VolumeSnapshots();
  /** Readers of {@link #volume} hold the read lock; swapping the database takes the write lock. */
  private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
  private RocksBlockStore store;
  private Volume volume;
  private DataLog dataLog;
  /** Entries up to this index are already in the store (replay skips them). */
  private long storedIndex;
  private final AppliedIndex applied;
  /** Index of the last volume op (not Ratis metadata or configuration) applied here. */
  private volatile long lastOpIndex = -1;
  private volatile boolean serving;
  private final io.blockraft.replication.MetaListeners listeners = new io.blockraft.replication.MetaListeners();
  /** Payload bytes applied since the last snapshot (drives snapshots by size). */
  private long bytesSinceSnapshot;
  private final long snapshotBytes;
  private volatile Runnable snapshotRequest = () -> {};
  private volatile boolean snapshotAsked;

  /**
   * @param home the replica's directory (live database, data log, spec)
   * @param snapshotBytes applied payload bytes after which a snapshot is requested
   */
  public VolumeStateMachine(VolumeSpec spec, Path home, MetaTransforms transforms, RocksConfig rocks,
      long snapshotBytes) {
    this.spec = spec;
    this.applied = new AppliedIndex(spec.name());
    this.home = home;
    this.transforms = transforms;
    this.rocks = rocks.withWal(false);
    this.snapshotBytes = snapshotBytes;
  }

  public VolumeSpec spec() {
    return spec;
  }

  /**
   * Called when enough was written that a snapshot should be taken (the node asks Ratis, then
   * calls {@link #snapshotRequestDone}).
   */
  public void onSnapshotDue(Runnable request) {
    this.snapshotRequest = request;
  }

  /** The snapshot request finished (Ratis took one or declined): the next apply may ask again. */
  public void snapshotRequestDone() {
    snapshotAsked = false;
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public synchronized void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    getLifeCycle().startAndTransition(() -> init(server, groupId, storage), IOException.class);
  }

  private void init(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    super.initialize(server, groupId, storage);
    snapshots.init(storage);
    spec.writeTo(home);
    dataLog = DataLog.open(home.resolve("data"));
    openLive(false);
    SnapshotInfo s = snapshots.getLatestSnapshot();
    TermIndex start = s != null ? s.getTermIndex() : TermIndex.valueOf(0, -1);
    setLastAppliedTermIndex(start);
    applied.start(start.getIndex());
    serving = true;
    log.info("volume {} (group {}): opened, stored index {}, snapshot {}", spec.name(), groupId,
        storedIndex, s == null ? "none" : s.getTermIndex());
  }

  /** Opens the live database, first rebuilding it from the latest snapshot when asked or absent. */
  private void openLive(boolean fromSnapshot) throws IOException {
    Path db = home.resolve("db");
    Path snap = snapshots.latestDir();
    if (snap != null && (fromSnapshot || !Files.isDirectory(db))) {
      VolumeSnapshots.restore(snap, db);
      log.info("volume {}: live database rebuilt from snapshot {}", spec.name(), snap.getFileName());
    }
    RocksBlockStore st = RocksBlockStore.open(db, rocks);
    Volume v = st.volume(spec.name())
        .orElseGet(() -> st.create(spec.name(), spec.blockCount(), spec.blockSize()));
    byte[] idx = v.getMeta(APPLIED_KEY);
    storedIndex = idx == null ? -1 : ByteBuffer.wrap(idx).getLong(8);
    storeLock.writeLock().lock();
    try {
      store = st;
      volume = v;
    } finally {
      storeLock.writeLock().unlock();
    }
  }

  @Override
  public synchronized void pause() {
    serving = false;
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  /** After Ratis installed a snapshot: rebuild the live database from it. */
  @Override
  public synchronized void reinitialize() throws IOException {
    serving = false;
    snapshots.reload();
    SnapshotInfo s = snapshots.getLatestSnapshot();
    storeLock.writeLock().lock();
    try {
      if (store != null) {
        store.close();
        store = null;
        volume = null;
      }
    } finally {
      storeLock.writeLock().unlock();
    }
    openLive(true);
    if (s != null) {
      setLastAppliedTermIndex(s.getTermIndex());
      dataLog.truncate(s.getIndex() + 1);
      dataLog.purge(s.getIndex());
      applied.advance(s.getIndex());
    }
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
    serving = true;
    log.info("volume {}: installed snapshot {}", spec.name(), s == null ? "none" : s.getTermIndex());
  }

  @Override
  public void close() throws IOException {
    serving = false;
    storeLock.writeLock().lock();
    try {
      if (store != null) {
        store.close();
        store = null;
        volume = null;
      }
    } finally {
      storeLock.writeLock().unlock();
    }
    if (dataLog != null) {
      dataLog.close();
    }
    applied.close();
    super.close();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
  }

  /** Snapshot = checkpoint of the live database at the last applied index (applies are serial). */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex ti = getLastAppliedTermIndex();
    if (ti == null || ti.getIndex() <= 0) {
      return -1;
    }
    storeLock.readLock().lock();
    try {
      RocksBlockStore st = store;
      if (st == null) {
        return -1;
      }
      snapshots.take(ti, st::checkpoint);
    } finally {
      storeLock.readLock().unlock();
    }
    snapshots.cleanupOldSnapshots(null);
    bytesSinceSnapshot = 0;
    // payloads Ratis no longer keeps (it purges its log up to the snapshot) are not needed either
    long logStart = getServer().join().getDivision(getGroupId()).getRaftLog().getStartIndex();
    if (logStart > 0) {
      dataLog.purge(Math.min(logStart - 1, ti.getIndex()));
    }
    log.info("volume {}: snapshot at {}", spec.name(), ti);
    return ti.getIndex();
  }

  // ---------------------------------------------------------------- log path

  /** Splits a request {@code headerLen:4 header payload} into log data and state-machine data. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString content = request.getMessage().getContent();
    if (content.size() < 4) {
      throw new IOException("volume request too short");
    }
    int hlen = content.substring(0, 4).asReadOnlyByteBuffer().getInt();
    if (hlen <= 0 || hlen > content.size() - 4) {
      throw new IOException("volume request header length " + hlen + " out of range");
    }
    ByteString header = content.substring(4, 4 + hlen);
    try {
      VolumeOp.decode(header.asReadOnlyByteBuffer()); // nothing malformed enters the log (see apply)
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed volume op: " + e.getMessage());
    }
    ByteString payload = content.substring(4 + hlen);
    if (!payload.isEmpty()) {
      header = header.concat(LOG_PADDING.substring(0, Math.min(LOG_PADDING.size(), payload.size() / PADDING_RATIO)));
    }
    TransactionContext.Builder b = TransactionContext.newBuilder().setStateMachine(this)
        .setClientRequest(request).setLogData(header);
    if (!payload.isEmpty()) {
      b.setStateMachineData(payload);
    }
    return b.build();
  }

  /** Ratis keeps only headers in its log; the payload goes to the data log. */
  @Override
  public CompletableFuture<?> write(LogEntryProto entry, TransactionContext context) {
    ByteString data = entry.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
    return dataLogStep(() -> dataLog.append(entry.getIndex(), data.asReadOnlyByteBuffer()));
  }

  @Override
  public CompletableFuture<Void> flush(long logIndex) {
    return dataLogStep(() -> dataLog.flush(logIndex));
  }

  @Override
  public CompletableFuture<Void> truncate(long logIndex) {
    return dataLogStep(() -> dataLog.truncate(logIndex));
  }

  @FunctionalInterface
  private interface DataLogStep {
    void run() throws IOException;
  }

  /** Ratis's DataApi wants futures; the data log works synchronously on the calling thread. */
  private static CompletableFuture<Void> dataLogStep(DataLogStep step) {
    try {
      step.run();
      return CompletableFuture.completedFuture(null);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The payload of an entry, for a follower that needs it (the leader's cache no longer has it). */
  @Override
  public CompletableFuture<ByteString> read(LogEntryProto entry, TransactionContext context) {
    try {
      return CompletableFuture.completedFuture(
          UnsafeByteOperations.unsafeWrap(dataLog.read(entry.getIndex())));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** One line per leader change (ARCHITECTURE.md, logs). */
  @Override
  public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
      org.apache.ratis.protocol.RaftPeerId newLeader) {
    log.info("volume {}: leader is now {} (seen by {})", spec.name(), newLeader, member.getPeerId());
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    super.notifyTermIndexUpdated(term, index);
    applied.advance(index);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    Message reply;
    if (index <= storedIndex) {
      reply = Message.valueOf(ByteString.copyFrom(new byte[] {OK}));
    } else {
      reply = apply(trx, entry, index);
    }
    lastOpIndex = index;
    updateLastAppliedTermIndex(entry.getTerm(), index);
    applied.advance(index);
    if (bytesSinceSnapshot >= snapshotBytes && !snapshotAsked) {
      snapshotAsked = true; // cleared when the request is done, taken or not
      snapshotRequest.run();
    }
    return CompletableFuture.completedFuture(reply);
  }

  private Message apply(TransactionContext trx, LogEntryProto entry, long index) {
    StateMachineLogEntryProto sm = entry.getStateMachineLogEntry();
    VolumeOp op;
    try {
      op = VolumeOp.decode(sm.getLogData().asReadOnlyByteBuffer());
    } catch (IllegalArgumentException e) {
      // startTransaction lets no malformed op into the log, so this entry was written by a newer
      // build (a new op type). Skipping it would make this replica silently miss a change the
      // others applied; stopping (Ratis closes this replica's group when apply throws) keeps
      // every replica that applies anything exact. Upgrade this node.
      log.error("volume {}: entry {} is not a volume op this build knows ({}); this replica stops"
          + " applying: upgrade the node", spec.name(), index, e.getMessage());
      throw new IllegalStateException("volume " + spec.name() + ": entry " + index
          + " is not a volume op this build knows: " + e.getMessage(), e);
    }
    storeLock.readLock().lock();
    try {
      Volume v = volume;
      byte[] appliedBytes = ByteBuffer.allocate(16).putLong(entry.getTerm()).putLong(index).array();
      if (op instanceof VolumeOp.TransformMeta t) {
        return applyTransform(v, t, appliedBytes);
      }
      Message reply = applyData(v, op, trx, sm, index);
      v.putMeta(APPLIED_KEY, appliedBytes);
      return reply;
    } finally {
      storeLock.readLock().unlock();
    }
  }

  private Message applyData(Volume v, VolumeOp op, TransactionContext trx, StateMachineLogEntryProto sm,
      long index) {
    int bs = v.logicalBlockSize();
    ByteBuffer payload = null;
    long need = op.payloadBytes(bs);
    if (need > 0) {
      payload = payload(trx, sm, index);
      if (payload.remaining() != need) {
        log.warn("volume {}: entry {} carries {} payload bytes, {} expected; skipped", spec.name(),
            index, payload.remaining(), need);
        return status(INVALID);
      }
      bytesSinceSnapshot += need;
    }
    return OpApplier.apply(v, op, payload, OpApplier.fence(v, transforms.guard(), spec.name()));
  }

  private ByteBuffer payload(TransactionContext trx, StateMachineLogEntryProto sm, long index) {
    ByteString d = sm.getStateMachineEntry().getStateMachineData();
    if (d.isEmpty() && trx.getStateMachineLogEntry() != null) {
      d = trx.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
    }
    if (!d.isEmpty()) {
      return d.asReadOnlyByteBuffer();
    }
    try {
      return dataLog.read(index);
    } catch (IOException e) {
      throw new UncheckedIOException("payload of entry " + index + " unreadable", e);
    }
  }

  private Message applyTransform(Volume v, VolumeOp.TransformMeta t, byte[] appliedBytes) {
    MetaTransform fn = transforms.get(t.key());
    if (fn == null) {
      log.warn("volume {}: no transform for metadata key {}; entry skipped", spec.name(), t.key());
      v.putMeta(APPLIED_KEY, appliedBytes);
      return status(INVALID);
    }
    synchronized (listeners) {
      byte[] current = v.getMeta(t.key());
      MetaTransform.Outcome o = fn.apply(current, t.op());
      Map<String, byte[]> batch = new HashMap<>();
      batch.put(APPLIED_KEY, appliedBytes);
      if (o.value() != current) {
        batch.put(t.key(), o.value());
      }
      v.putMetaAll(batch);
      listeners.notify(t.key(), t.op(), o.result(), o.value());
      byte[] r = o.result();
      return Message.valueOf(UnsafeByteOperations.unsafeWrap(
          ByteBuffer.allocate(1 + r.length).put(OK).put(r).flip()));
    }
  }

  static Message status(byte s) {
    return Message.valueOf(ByteString.copyFrom(new byte[] {s}));
  }

  // ---------------------------------------------------------------- local access

  /**
   * Linearizable reads go through Ratis's read path. The query answers the index of the last
   * volume op this replica applied (8 bytes): on the leader, after Ratis's ReadIndex/lease check,
   * that covers every write acknowledged before the read began, and a follower that has applied
   * that far may serve the read from its own store (see RaftVolume).
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.valueOf(
        ByteString.copyFrom(ByteBuffer.allocate(8).putLong(lastOpIndex).flip())));
  }

  /**
   * A stale read with {@code minIndex}: answered (empty) once this replica has applied that index,
   * which is how another node learns that an entry's effects are in place here ({@link
   * RaftVolume#awaitReplicas}). Ratis only calls this once the index is committed here.
   */
  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    return awaitApplied(minIndex).thenApply(v -> Message.EMPTY);
  }

  private final java.util.List<java.util.function.IntConsumer> unresponsive =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  void onReplicaUnresponsive(java.util.function.IntConsumer listener) {
    unresponsive.add(listener);
  }

  /**
   * On the leader, for a follower that has not answered within Ratis's slowness timeout (called
   * again at each check while it stays silent): its node id (peer ids are "n" + node id) goes to
   * the listeners.
   */
  @Override
  public void notifyFollowerSlowness(org.apache.ratis.proto.RaftProtos.RoleInfoProto leaderInfo,
      org.apache.ratis.protocol.RaftPeer slowFollower) {
    String id = slowFollower.getId().toString();
    int node;
    try {
      node = Integer.parseInt(id.substring(1));
    } catch (RuntimeException e) {
      return;
    }
    for (java.util.function.IntConsumer l : unresponsive) {
      try {
        l.accept(node);
      } catch (RuntimeException e) {
        log.warn("volume {}: a listener for unresponsive replicas failed: {}", spec.name(), e.toString());
      }
    }
  }

  /** Deletes a replica's directory (its database and data log) once its group is gone here. */
  public static void deleteReplica(Path home) {
    VolumeSnapshots.deleteTree(home);
  }

  /** The index of the last entry applied here. */
  long lastApplied() {
    return applied.get();
  }

  /** Completes once this replica has applied {@code index}. */
  CompletableFuture<Void> awaitApplied(long index) {
    return applied.await(index);
  }

  boolean serving() {
    return serving;
  }

  /** Runs {@code work} against the live volume under the read lock; fails when not serving. */
  <T> T withVolume(java.util.function.Function<Volume, T> work) {
    storeLock.readLock().lock();
    try {
      Volume v = volume;
      if (v == null || !serving) {
        throw new VolumeUnavailableException("volume " + spec.name() + " is not serving on this node");
      }
      return work.apply(v);
    } finally {
      storeLock.readLock().unlock();
    }
  }

  void read(long lba, int count, ByteBuffer dst) {
    withVolume(v -> {
      v.read(lba, count, dst);
      return null;
    });
  }

  LbaExtent lbaStatus(long lba, long max) {
    return withVolume(v -> v.lbaStatus(lba, max));
  }

  long blockCount() {
    storeLock.readLock().lock();
    try {
      return volume == null ? spec.blockCount() : volume.blockCount();
    } finally {
      storeLock.readLock().unlock();
    }
  }

  byte[] getMeta(String key) {
    return withVolume(v -> v.getMeta(key));
  }

  byte[] watchMeta(String key, MetaListener l) {
    return listeners.addAndGet(key, l, this::getMeta); // same lock as applyTransform's block
  }
}
