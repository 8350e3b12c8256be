package io.blockraft.replication.volume;

import io.blockraft.replication.VolumeUnavailableException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The index of the last Raft entry a replica has applied, and the futures waiting for it to reach
 * an index: a write is acknowledged, a follower's read served, a stale-read probe answered only
 * once this replica has applied that far ({@link VolumeStateMachine#awaitApplied}). Advanced by
 * the apply thread only; waited on from anywhere.
 */
final class AppliedIndex {
  private final String volume;
  private volatile long applied;
  private volatile boolean closed;
  private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();

  AppliedIndex(String volume) {
    this.volume = volume;
  }

  long get() {
    return applied;
  }

  /** Where a replica starts: the index its snapshot (or nothing, -1) covers. */
  void start(long index) {
    applied = index;
  }

  /** Completes once {@code index} is applied; fails with VolumeUnavailableException once closed. */
  CompletableFuture<Void> await(long index) {
    if (applied >= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
    if (applied >= index) {
      waiters.remove(index, f);
      f.complete(null);
    } else if (closed) { // close() may have swept the waiters before this one was added
      waiters.remove(index, f);
      f.completeExceptionally(closedException());
    }
    return f;
  }

  /** {@code index} is applied (never goes back): completes every wait up to it. */
  void advance(long index) {
    if (index > applied) {
      applied = index;
    }
    ConcurrentNavigableMap<Long, CompletableFuture<Void>> done = waiters.headMap(applied, true);
    while (!done.isEmpty()) {
      Map.Entry<Long, CompletableFuture<Void>> e = done.pollFirstEntry();
      if (e != null) {
        e.getValue().complete(null);
      }
    }
  }

  /** Fails every wait, now and later. */
  void close() {
    closed = true;
    VolumeUnavailableException e = closedException();
    waiters.values().forEach(f -> f.completeExceptionally(e));
    waiters.clear();
  }

  private VolumeUnavailableException closedException() {
    return new VolumeUnavailableException("volume " + volume + " closed");
  }
}
