package io.blockraft.target.iscsi.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 7143 4.2.2.1 command numbering and acknowledging: the session's CmdSN window
 * [ExpCmdSN, MaxCmdSN] and in-order delivery of non-immediate commands.
 *
 * <ul>
 *   <li>A command whose CmdSN lies outside the window, or duplicates one already queued, is
 *       silently ignored (4.2.2.1; libiscsi iSCSICmdSnTooHigh/TooLow).
 *   <li>Commands inside the window are buffered and delivered strictly in CmdSN order; ExpCmdSN
 *       advances as each is delivered.
 *   <li>MaxCmdSN never decreases (initiators ignore a smaller value); it grows to keep
 *       {@code depth} commands in flight, counting commands still executing.
 * </ul>
 *
 * All arithmetic is RFC 1982 serial arithmetic on 32 bits. Not thread-safe: owned by the
 * connection's event loop.
 *
 * @param <T> what is queued
 */
final class CmdSequencer<T> {
  private final int depth;
  private final Map<Integer, Object> pending = new HashMap<>();
  private static final Object SKIPPED = new Object();
  private int expCmdSn;
  private int maxCmdSn;

  CmdSequencer(int initialCmdSn, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth " + depth);
    }
    this.depth = depth;
    this.expCmdSn = initialCmdSn;
    this.maxCmdSn = initialCmdSn + depth - 1;
  }

  /** RFC 1982: a &lt; b in serial arithmetic. */
  static boolean before(int a, int b) {
    return a != b && a - b < 0;
  }

  int expCmdSn() {
    return expCmdSn;
  }

  int maxCmdSn() {
    return maxCmdSn;
  }

  boolean inWindow(int cmdSn) {
    return !before(cmdSn, expCmdSn) && !before(maxCmdSn, cmdSn);
  }

  /** Number of commands buffered behind a gap. */
  int buffered() {
    return pending.size();
  }

  /**
   * Queues a non-immediate command.
   *
   * @return false when it must be ignored (outside the window or a duplicate CmdSN)
   */
  boolean offer(int cmdSn, T command) {
    if (!inWindow(cmdSn) || pending.containsKey(cmdSn)) {
      return false;
    }
    pending.put(cmdSn, command);
    return true;
  }

  /**
   * Marks a CmdSN in the window as received without a command to run (a rejected command, or
   * RFC 7143 11.5.1 ABORT TASK for a command that never arrived).
   *
   * @return true when the CmdSN was in the window and not yet received
   */
  boolean skip(int cmdSn) {
    if (!inWindow(cmdSn) || pending.containsKey(cmdSn)) {
      return false;
    }
    pending.put(cmdSn, SKIPPED);
    return true;
  }

  /** True when a command with this CmdSN is queued (not yet delivered). */
  boolean isQueued(int cmdSn) {
    Object o = pending.get(cmdSn);
    return o != null && o != SKIPPED;
  }

  /** The next command in CmdSN order, advancing ExpCmdSN, or null when the next one is missing. */
  @SuppressWarnings("unchecked")
  T poll() {
    while (true) {
      Object o = pending.remove(expCmdSn);
      if (o == null) {
        return null;
      }
      expCmdSn++;
      if (o != SKIPPED) {
        return (T) o;
      }
    }
  }

  /**
   * Recomputes MaxCmdSN with {@code executing} commands still in flight; never decreases it.
   *
   * @return the MaxCmdSN to advertise
   */
  int updateMax(int executing) {
    int candidate = expCmdSn + (depth - executing) - 1;
    if (before(maxCmdSn, candidate)) {
      maxCmdSn = candidate;
    }
    return maxCmdSn;
  }

  /** Removes and returns everything still queued (connection teardown). */
  @SuppressWarnings("unchecked")
  List<T> drain() {
    List<T> out = new ArrayList<>();
    for (Object o : pending.values()) {
      if (o != SKIPPED) {
        out.add((T) o);
      }
    }
    pending.clear();
    return out;
  }
}
