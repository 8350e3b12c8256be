package io.blockraft.replication.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a history of one-block reads and writes for linearizability, each block being a register.
 * Every write stores a value no other write uses, so each read names the write it saw; that makes
 * the check exact and cheap (no search over interleavings).
 *
 * <p>Times are what the client saw: {@code invoke} taken before the call, {@code complete} after
 * the future completed. An operation that failed or never completed has {@code complete ==}
 * {@link #NEVER}: a failed or timed-out write is a <em>maybe</em> write (it may have taken effect at
 * any time after its invocation, or never); a failed read says nothing and is ignored.
 *
 * <p>Rules, per block ("w happened before x" means w completed before x was invoked):
 *
 * <ol>
 *   <li><b>origin</b>: a read returns zeros (never written) or the exact bytes of a write to that
 *       block, and that write was invoked before the read completed;
 *   <li><b>stale</b>: a read of w's value is never strictly superseded: there is no acknowledged
 *       write w' with w happened before w' and w' happened before the read. For the final reads
 *       taken after the faults healed ({@link #FINAL_READER}) this is reported as <b>lost</b>: an
 *       acknowledged write is gone;
 *   <li><b>order</b>: one order of the writes explains every read. A write with the reads of its
 *       value forms a cluster that must sit contiguously in the linearization (no other write in
 *       between); cluster A must precede B when some operation of A happened before some
 *       operation of B. The history is linearizable iff rule 1 holds and this precedence is
 *       acyclic (a topological order, each cluster written then read, is a linearization; a cycle
 *       rules every one out). Rule 2 is the two-cluster case, reported on its own for clarity;
 *       longer cycles catch e.g. two reads that see two writes in opposite orders.
 * </ol>
 *
 * <p>Maybe-writes nobody read are left out (dropping a write never makes a history harder to
 * linearize); acknowledged writes always count, read or not.
 */
final class LinearizabilityChecker {

  /** The value of a block never written: all zeros. */
  static final long ZEROS = 0;
  /** A read whose bytes are no write's bytes for that block. */
  static final long GARBLED = -1;
  /** Completion time of an operation that failed, timed out or is still pending. */
  static final long NEVER = Long.MAX_VALUE;
  /** Client id of the reads taken after the faults healed. */
  static final int FINAL_READER = 0;
  /** Violations reported in detail (all are counted). */
  private static final int REPORTED = 10;

  enum Kind { READ, WRITE }

  /**
   * One operation. For a write, {@code value} is what it wrote; for a read, what it returned
   * (meaningful only when {@code ok}). {@code complete} is {@link #NEVER} unless {@code ok}.
   */
  record Op(int id, int client, int node, Kind kind, int block, long value, long invoke, long complete,
      boolean ok, String note) {

    boolean isWrite() {
      return kind == Kind.WRITE;
    }

    @Override
    public String toString() {
      String who = client == FINAL_READER ? "final" : "c" + client;
      String what = isWrite() ? "W " + valueName(value) : "R " + (ok ? valueName(value) : "");
      return String.format(Locale.ROOT, "#%-6d %-5s @n%d blk %-3d %-14s [%s, %s] %s", id, who, node, block,
          what, time(invoke), time(complete), ok ? "ok" : isWrite() ? "MAYBE " + note : "failed " + note);
    }
  }

  record Violation(String rule, int block, String message, List<Op> ops) {}

  /** The verdict: the violations, each with an excerpt of its block's history. */
  record Result(List<Violation> violations, String report) {
    boolean ok() {
      return violations.isEmpty();
    }
  }

  private LinearizabilityChecker() {}

  static String valueName(long v) {
    if (v == ZEROS) {
      return "zeros";
    }
    if (v == GARBLED) {
      return "garbled";
    }
    return "c" + (v >>> 40) + ":" + (v & ((1L << 40) - 1));
  }

  private static String time(long t) {
    if (t == NEVER) {
      return "      never";
    }
    if (t == Long.MIN_VALUE) {
      return "      start";
    }
    return String.format(Locale.ROOT, "%11.3f", t / 1e6);
  }

  static Result check(Collection<Op> history) {
    Map<Integer, List<Op>> byBlock = new TreeMap<>();
    for (Op o : history) {
      byBlock.computeIfAbsent(o.block(), b -> new ArrayList<>()).add(o);
    }
    List<Violation> out = new ArrayList<>();
    for (Map.Entry<Integer, List<Op>> e : byBlock.entrySet()) {
      checkBlock(e.getKey(), e.getValue(), out);
    }
    StringBuilder report = new StringBuilder();
    for (Violation v : out.subList(0, Math.min(out.size(), REPORTED))) {
      report.append("\n[").append(v.rule()).append("] block ").append(v.block()).append(": ")
          .append(v.message()).append('\n');
      v.ops().forEach(o -> report.append("    ").append(o).append('\n'));
      report.append("  history of block ").append(v.block()).append(" around it (ms since start):\n");
      excerpt(byBlock.get(v.block()), v.ops()).forEach(o -> report.append("    ").append(o).append('\n'));
    }
    if (out.size() > REPORTED) {
      report.append("\n... and ").append(out.size() - REPORTED).append(" more violations\n");
    }
    return new Result(List.copyOf(out), report.toString());
  }

  /** A write and the reads that returned its value. */
  private static final class Cluster {
    final long value;
    final Op write;
    /** Earliest completion (and its operation), latest invocation (and its operation). */
    long minComplete;
    long maxInvoke;
    Op minCompleteOp;
    Op maxInvokeOp;

    Cluster(long value, Op write) {
      this.value = value;
      this.write = write;
      this.minComplete = write == null ? Long.MIN_VALUE : write.complete();
      this.maxInvoke = write == null ? Long.MIN_VALUE : write.invoke();
      this.minCompleteOp = write;
      this.maxInvokeOp = write;
    }

    void add(Op read) {
      if (read.complete() < minComplete) {
        minComplete = read.complete();
        minCompleteOp = read;
      }
      if (read.invoke() > maxInvoke) {
        maxInvoke = read.invoke();
        maxInvokeOp = read;
      }
    }

    /** Some operation of this cluster happened before some operation of {@code b}. */
    boolean precedes(Cluster b) {
      return minComplete < b.maxInvoke;
    }

    String describe() {
      return valueName(value) + (write == null ? " (initial)" : " (write #" + write.id() + ")");
    }
  }

  private static void checkBlock(int block, List<Op> ops, List<Violation> out) {
    int before = out.size();
    Map<Long, Op> writes = new HashMap<>();
    for (Op o : ops) {
      if (o.isWrite()) {
        Op dup = writes.put(o.value(), o);
        if (dup != null) {
          out.add(new Violation("harness", block, "two writes of one value", List.of(dup, o)));
        }
      }
    }
    List<Op> acked = writes.values().stream().filter(Op::ok)
        .sorted(Comparator.comparingLong(Op::complete)).toList();
    Map<Long, Cluster> clusters = new HashMap<>();
    clusters.put(ZEROS, new Cluster(ZEROS, null));
    acked.forEach(w -> clusters.put(w.value(), new Cluster(w.value(), w)));
    for (Op r : ops) {
      if (r.isWrite() || !r.ok()) {
        continue;
      }
      Op w = writes.get(r.value());
      if (r.value() == GARBLED || (r.value() != ZEROS && w == null)) {
        out.add(new Violation("origin", block, "read returned bytes no write to this block wrote", List.of(r)));
        continue;
      }
      if (w != null && w.invoke() > r.complete()) {
        out.add(new Violation("origin", block, "read returned a value whose write was invoked after it completed",
            List.of(w, r)));
        continue;
      }
      long written = w == null ? Long.MIN_VALUE : w.complete();
      for (Op newer : acked) {
        if (newer.complete() >= r.invoke()) {
          break; // sorted by completion: no later one completed before the read either
        }
        if (newer.invoke() > written) {
          boolean fin = r.client() == FINAL_READER;
          out.add(new Violation(fin ? "lost" : "stale", block,
              (fin ? "after healing, the block still reads " : "read returned ") + valueName(r.value())
                  + ", but acknowledged write #" + newer.id() + " started after that value's write had"
                  + " completed and completed before the read began", w == null ? List.of(newer, r)
                  : List.of(w, newer, r)));
          break;
        }
      }
      clusters.computeIfAbsent(r.value(), v -> new Cluster(v, w)).add(r);
    }
    if (out.size() == before) {
      checkOrder(block, new ArrayList<>(clusters.values()), out);
    }
  }

  /** Rule 3: the precedence between clusters must be acyclic (Kahn's algorithm; else name a cycle). */
  private static void checkOrder(int block, List<Cluster> cs, List<Violation> out) {
    int n = cs.size();
    int[] indegree = new int[n];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b && cs.get(a).precedes(cs.get(b))) {
          indegree[b]++;
        }
      }
    }
    boolean[] placed = new boolean[n];
    Deque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      if (indegree[i] == 0) {
        ready.add(i);
      }
    }
    int count = 0;
    while (!ready.isEmpty()) {
      int a = ready.poll();
      placed[a] = true;
      count++;
      for (int b = 0; b < n; b++) {
        if (!placed[b] && b != a && cs.get(a).precedes(cs.get(b)) && --indegree[b] == 0) {
          ready.add(b);
        }
      }
    }
    if (count == n) {
      return;
    }
    // every unplaced cluster has an unplaced predecessor: walk back until one repeats
    int x = 0;
    while (placed[x]) {
      x++;
    }
    LinkedHashSet<Integer> path = new LinkedHashSet<>();
    while (path.add(x)) {
      int cur = x;
      for (int a = 0; a < n; a++) {
        if (!placed[a] && a != cur && cs.get(a).precedes(cs.get(cur))) {
          x = a;
          break;
        }
      }
    }
    List<Integer> walk = new ArrayList<>(path);
    List<Integer> cycle = new ArrayList<>(walk.subList(walk.indexOf(x), walk.size()));
    Collections.reverse(cycle); // the walk went backwards along "precedes"
    StringBuilder why = new StringBuilder("no order of the writes explains the reads; each must precede the next:");
    List<Op> involved = new ArrayList<>();
    for (int i = 0; i < cycle.size(); i++) {
      Cluster a = cs.get(cycle.get(i));
      Cluster b = cs.get(cycle.get((i + 1) % cycle.size()));
      why.append("\n      ").append(a.describe()).append(" before ").append(b.describe()).append(": ")
          .append(a.minCompleteOp == null ? "the initial zeros come first" : "#" + a.minCompleteOp.id()
              + " completed before #" + b.maxInvokeOp.id() + " was invoked");
      for (Op o : new Op[] {a.write, a.minCompleteOp, b.maxInvokeOp}) {
        if (o != null) {
          involved.add(o);
        }
      }
    }
    out.add(new Violation("order", block, why.toString(), List.copyOf(new LinkedHashSet<>(involved))));
  }

  /**
   * The block's operations around the violation: completed ones overlapping its time span (plus a
   * margin), failed or pending ones invoked within it, and the involved ones; at most 80.
   */
  private static List<Op> excerpt(List<Op> blockOps, List<Op> involved) {
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Op o : involved) {
      if (o.invoke() != Long.MIN_VALUE) {
        lo = Math.min(lo, o.invoke());
      }
      hi = Math.max(hi, o.complete() == NEVER ? o.invoke() : o.complete());
    }
    long margin = 20_000_000L;
    long from = lo == Long.MAX_VALUE ? Long.MIN_VALUE : lo - margin;
    long to = hi + margin;
    return blockOps.stream()
        .filter(o -> involved.contains(o) || (o.invoke() <= to
            && (o.ok() ? o.complete() >= from : o.invoke() >= from)))
        .sorted(Comparator.comparingLong(Op::invoke))
        .limit(80)
        .toList();
  }
}
