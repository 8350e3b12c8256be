package io.blockraft.replication.cluster;

import static io.blockraft.replication.cluster.LinearizabilityChecker.FINAL_READER;
import static io.blockraft.replication.cluster.LinearizabilityChecker.GARBLED;
import static io.blockraft.replication.cluster.LinearizabilityChecker.NEVER;
import static io.blockraft.replication.cluster.LinearizabilityChecker.ZEROS;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.replication.cluster.LinearizabilityChecker.Kind;
import io.blockraft.replication.cluster.LinearizabilityChecker.Op;
import io.blockraft.replication.cluster.LinearizabilityChecker.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker on small hand-made histories (times in ms), and against brute force on random ones. */
class LinearizabilityCheckerTest {

  private final List<Op> h = new ArrayList<>();

  private static long v(int n) {
    return BlockWorkload.stamp(1, n);
  }

  private void write(long value, long invoke, long complete) {
    h.add(new Op(h.size() + 1, 1, 1, Kind.WRITE, 0, value, invoke * 1_000_000, complete * 1_000_000, true, ""));
  }

  private void maybeWrite(long value, long invoke) {
    h.add(new Op(h.size() + 1, 1, 1, Kind.WRITE, 0, value, invoke * 1_000_000, NEVER, false, "timed out"));
  }

  private void read(long value, long invoke, long complete) {
    read(2, value, invoke, complete);
  }

  private void read(int client, long value, long invoke, long complete) {
    h.add(new Op(h.size() + 1, client, 2, Kind.READ, 0, value, invoke * 1_000_000, complete * 1_000_000, true, ""));
  }

  private List<String> rules() {
    Result r = LinearizabilityChecker.check(h);
    assertThat(r.ok()).isEqualTo(r.violations().isEmpty());
    return r.violations().stream().map(LinearizabilityChecker.Violation::rule).toList();
  }

  @Test
  void sequentialWritesAndReads_areLinearizable() {
    read(ZEROS, 0, 1);
    write(v(1), 2, 3);
    read(v(1), 4, 5);
    write(v(2), 6, 7);
    read(v(2), 8, 9);
    assertThat(rules()).isEmpty();
  }

  @Test
  void readConcurrentWithWrite_mayReturnOldOrNew() {
    write(v(1), 0, 1);
    write(v(2), 2, 10);
    read(v(1), 3, 4);
    read(v(2), 5, 6);
    assertThat(rules()).isEmpty();
  }

  @Test
  void readOfSupersededValue_isStale() {
    write(v(1), 0, 1);
    write(v(2), 2, 3);
    read(v(1), 4, 5);
    assertThat(rules()).containsExactly("stale");
  }

  @Test
  void readOfZerosAfterAcknowledgedWrite_isStale() {
    write(v(1), 0, 1);
    read(ZEROS, 2, 3);
    assertThat(rules()).containsExactly("stale");
  }

  @Test
  void finalReadMissingAcknowledgedWrite_isLost() {
    write(v(1), 0, 1);
    write(v(2), 2, 3);
    read(FINAL_READER, v(1), 10, 11);
    assertThat(rules()).containsExactly("lost");
  }

  @Test
  void finalReadOfConcurrentWrite_isFine() {
    write(v(1), 0, 5);
    write(v(2), 2, 3);
    read(FINAL_READER, v(1), 10, 11);
    assertThat(rules()).isEmpty();
  }

  @Test
  void readOfValueWrittenAfterItCompleted_breaksOrigin() {
    read(v(1), 0, 1);
    write(v(1), 2, 3);
    assertThat(rules()).containsExactly("origin");
  }

  @Test
  void readOfUnknownOrGarbledBytes_breaksOrigin() {
    read(v(9), 0, 1);
    read(GARBLED, 2, 3);
    assertThat(rules()).containsExactly("origin", "origin");
  }

  @Test
  void maybeWrite_mayShowUpLateOrNever() {
    write(v(1), 0, 1);
    maybeWrite(v(2), 2);
    read(v(1), 3, 4);
    read(v(2), 50, 51);
    read(FINAL_READER, v(2), 60, 61);
    assertThat(rules()).isEmpty();
  }

  @Test
  void maybeWriteSeen_thenOlderValueAgain_breaksOrder() {
    write(v(1), 0, 1);
    maybeWrite(v(2), 2);
    read(v(2), 3, 4);
    read(v(1), 5, 6);
    assertThat(rules()).containsExactly("order");
  }

  @Test
  void twoReadersSeeTwoWritesInOppositeOrders_breaksOrder() {
    write(v(1), 0, 10);
    write(v(2), 0, 10);
    read(v(1), 1, 2);
    read(v(2), 3, 4);
    read(v(1), 5, 6);
    assertThat(rules()).containsExactly("order");
  }

  /** Brute force: some order of (a subset of maybe-) writes and all reads respects time and the register. */
  @Test
  void agreesWithBruteForce_onRandomSmallHistories() {
    Random rnd = new Random(42);
    int linearizable = 0;
    for (int round = 0; round < 3000; round++) {
      h.clear();
      int ops = 2 + rnd.nextInt(5);
      List<Long> values = new ArrayList<>();
      for (int i = 0; i < ops; i++) {
        long inv = rnd.nextInt(20);
        long comp = inv + 1 + rnd.nextInt(8);
        if (values.isEmpty() || rnd.nextInt(3) == 0) {
          long val = v(values.size() + 1);
          values.add(val);
          if (rnd.nextInt(4) == 0) {
            maybeWrite(val, inv);
          } else {
            write(val, inv, comp);
          }
        } else {
          int pick = rnd.nextInt(values.size() + 1);
          read(pick == values.size() ? ZEROS : values.get(pick), inv, comp);
        }
      }
      boolean expected = BruteForce.linearizable(h);
      linearizable += expected ? 1 : 0;
      assertThat(rules().isEmpty()).as("history %s", h).isEqualTo(expected);
    }
    assertThat(linearizable).isBetween(300, 2700); // both verdicts exercised
  }

  /** Wing and Gong's search, for tiny histories: try every minimal operation next. */
  private static final class BruteForce {
    static boolean linearizable(List<Op> ops) {
      List<Op> live = ops.stream().filter(o -> o.ok() || o.isWrite()).toList();
      return search(live, new boolean[live.size()], ZEROS);
    }

    private static boolean search(List<Op> ops, boolean[] done, long value) {
      boolean allRequiredDone = true;
      for (int i = 0; i < ops.size(); i++) {
        if (!done[i] && ops.get(i).ok()) {
          allRequiredDone = false;
        }
      }
      if (allRequiredDone) {
        return true; // remaining maybe-writes may never take effect
      }
      for (int i = 0; i < ops.size(); i++) {
        if (done[i] || !minimal(ops, done, i)) {
          continue;
        }
        Op o = ops.get(i);
        if (!o.isWrite() && o.value() != value) {
          continue;
        }
        done[i] = true;
        if (search(ops, done, o.isWrite() ? o.value() : value)) {
          return true;
        }
        if (!o.ok()) {
          // or this maybe-write never takes effect
          if (search(ops, done, value)) {
            return true;
          }
        }
        done[i] = false;
      }
      return false;
    }

    /** No pending operation completed before {@code i} was invoked. */
    private static boolean minimal(List<Op> ops, boolean[] done, int i) {
      for (int j = 0; j < ops.size(); j++) {
        if (!done[j] && j != i && ops.get(j).complete() < ops.get(i).invoke()) {
          return false;
        }
      }
      return true;
    }
  }
}
