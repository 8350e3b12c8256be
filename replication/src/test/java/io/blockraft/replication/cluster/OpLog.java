package io.blockraft.replication.cluster;

import io.blockraft.replication.cluster.LinearizabilityChecker.Kind;
import io.blockraft.replication.cluster.LinearizabilityChecker.Op;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Records every operation the clients invoke and how it ended, thread-safely, for {@link
 * LinearizabilityChecker}. The invocation time is taken before the call, the completion time in
 * the future's completion callback, so every recorded interval contains the real one. An
 * operation whose future has not completed yet is pending (a maybe, for a write).
 */
final class OpLog {

  enum State { PENDING, OK, FAILED }

  /** One operation; mutable only by its own completion. */
  static final class Entry {
    final int id;
    final int client;
    final int node;
    final Kind kind;
    final int block;
    final long written;
    final long invoke;
    private volatile long complete = LinearizabilityChecker.NEVER;
    private volatile long value;
    private volatile String note = "pending";
    private volatile State state = State.PENDING;

    private Entry(int id, int client, int node, Kind kind, int block, long written) {
      this.id = id;
      this.client = client;
      this.node = node;
      this.kind = kind;
      this.block = block;
      this.written = written;
      this.invoke = System.nanoTime();
    }

    State state() {
      return state;
    }

    boolean ok() {
      return state == State.OK;
    }
  }

  private final long origin = System.nanoTime();
  private final AtomicInteger ids = new AtomicInteger();
  private final Queue<Entry> entries = new ConcurrentLinkedQueue<>();

  /** Records an invocation, now: call right before submitting the operation. */
  Entry invoke(int client, int node, Kind kind, int block, long written) {
    Entry e = new Entry(ids.incrementAndGet(), client, node, kind, block, written);
    entries.add(e);
    return e;
  }

  /** Completes {@code e} when {@code f} does (a read's future yields the value it read). */
  CompletableFuture<Long> track(Entry e, CompletableFuture<Long> f) {
    return f.whenComplete((v, err) -> {
      long t = System.nanoTime();
      synchronized (e) {
        if (e.state != State.PENDING) {
          return;
        }
        e.complete = err == null ? t : LinearizabilityChecker.NEVER;
        e.value = err == null && v != null ? v : 0;
        e.note = err == null ? "" : rootCause(err);
        e.state = err == null ? State.OK : State.FAILED;
      }
    });
  }

  /** Operations that satisfy {@code p}, now. */
  List<Entry> select(Predicate<Entry> p) {
    return entries.stream().filter(p).toList();
  }

  int count(Predicate<Entry> p) {
    return (int) entries.stream().filter(p).count();
  }

  /** The history for the checker, times in nanoseconds since this log was created. */
  List<Op> history() {
    return entries.stream().map(this::op).toList();
  }

  Op op(Entry e) {
    synchronized (e) {
      boolean ok = e.state == State.OK;
      long value = e.kind == Kind.WRITE ? e.written : e.value;
      long complete = ok ? e.complete - origin : LinearizabilityChecker.NEVER;
      return new Op(e.id, e.client, e.node, e.kind, e.block, value, e.invoke - origin, complete, ok, e.note);
    }
  }

  /** A line per operation selected, for failure messages. */
  String describe(List<Entry> selected) {
    StringBuilder b = new StringBuilder();
    selected.forEach(e -> b.append("\n    ").append(op(e)));
    return b.toString();
  }

  static String rootCause(Throwable err) {
    Throwable t = err;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
