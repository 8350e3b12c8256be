package io.blockraft.target.scsi.ua;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SAM-5 5.14 / SPC-4 5.11 unit attention conditions of one logical unit, queued per I_T nexus.
 * A nexus seen for the first time starts with POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
 * One condition is reported (and cleared) per command that reports UAs.
 */
public final class UnitAttentions {
  private final Map<ItNexus, Deque<SenseReason>> pending = new ConcurrentHashMap<>();

  /** Called for every command: a new nexus gets a power-on UA queued. */
  public void nexusSeen(ItNexus nexus) {
    pending.computeIfAbsent(nexus, n -> {
      Deque<SenseReason> q = new ArrayDeque<>();
      q.add(SenseReason.POWER_ON_RESET);
      return q;
    });
  }

  /** Establishes {@code reason} for every known nexus, except {@code except} (may be null). */
  public void establishAll(SenseReason reason, ItNexus except) {
    pending.forEach((n, q) -> {
      if (!n.equals(except)) {
        add(q, reason);
      }
    });
  }

  /** Establishes {@code reason} for one nexus. */
  public void establish(ItNexus nexus, SenseReason reason) {
    add(pending.computeIfAbsent(nexus, n -> new ArrayDeque<>()), reason);
  }

  private static void add(Deque<SenseReason> q, SenseReason r) {
    synchronized (q) {
      // a reset condition replaces everything older (SAM-5 5.14: it supersedes them)
      if (r.asc == 0x29) {
        q.clear();
      }
      if (!q.contains(r)) {
        q.add(r);
      }
    }
  }

  /** Removes and returns the oldest condition for the nexus, or null. */
  public SenseReason poll(ItNexus nexus) {
    Deque<SenseReason> q = pending.get(nexus);
    if (q == null) {
      return null;
    }
    synchronized (q) {
      return q.poll();
    }
  }

  /** The oldest condition without clearing it, or null. */
  public SenseReason peek(ItNexus nexus) {
    Deque<SenseReason> q = pending.get(nexus);
    if (q == null) {
      return null;
    }
    synchronized (q) {
      return q.peek();
    }
  }

  /** Clears one specific condition for a nexus (e.g. REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED). */
  public void clear(ItNexus nexus, SenseReason reason) {
    Deque<SenseReason> q = pending.get(nexus);
    if (q != null) {
      synchronized (q) {
        q.remove(reason);
      }
    }
  }

  /** Forgets a nexus (it will get a fresh power-on UA if it returns: SAM-5 I_T NEXUS LOSS). */
  public void forget(ItNexus nexus) {
    pending.remove(nexus);
  }
}
