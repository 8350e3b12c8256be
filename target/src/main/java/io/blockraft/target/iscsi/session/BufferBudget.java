package io.blockraft.target.iscsi.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The node-wide bound on SCSI data held in memory for tasks: write data gathered from the
 * initiator and read data built for it. Without it one initiator could make the node allocate
 * MaxCmdSN window x MaxTransferLength (256 x 32 MiB) of direct memory, and many initiators a
 * multiple of that.
 *
 * <p>Three ways in, by what the target can control (RFC 7143 4.2.5.2, 11.8):
 * <ul>
 *   <li>solicited write data waits: a task asks with {@link #acquire} and issues its R2Ts only
 *       when granted, in FIFO order, so R2T is the flow control. A task holding budget never
 *       waits for one that does not (data is fetched before any lock is taken), so waiting cannot
 *       deadlock: every holder completes or its connection dies;
 *   <li>unsolicited and immediate data has already arrived: it is {@link #force counted}, and
 *       while the budget is {@link #saturated()} connections stop opening their CmdSN windows
 *       (MaxCmdSN stays put), which bounds what can arrive next; {@link #whenRelieved} tells
 *       them when to reopen;
 *   <li>read buffers are taken with {@link #tryAcquire}: a command that cannot get one ends with
 *       TASK SET FULL (SAM-5 5.3.1), which initiators retry.
 * </ul>
 *
 * Thread-safe; callbacks run outside the lock, on the releasing thread.
 */
public final class BufferBudget {

  private static final class Waiter {
    final long bytes;
    final Runnable granted;

    Waiter(long bytes, Runnable granted) {
      this.bytes = bytes;
      this.granted = granted;
    }
  }

  private final long capacity;
  private long used;
  /** {@link #saturatedLocked()} as of the last change, for lock-free reads on every PDU sent. */
  private volatile boolean saturated;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final List<Runnable> reliefListeners = new ArrayList<>();

  public BufferBudget(long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("buffer budget must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  public long capacity() {
    return capacity;
  }

  public synchronized long used() {
    return used;
  }

  /** Takes {@code bytes} now if they fit and nobody is waiting ahead; false otherwise. */
  public synchronized boolean tryAcquire(long bytes) {
    check(bytes);
    if (waiters.isEmpty() && used + bytes <= capacity) {
      used += bytes;
      saturated = saturatedLocked();
      return true;
    }
    return false;
  }

  /**
   * Takes {@code bytes} (at most the capacity) as soon as they fit, in FIFO order, then runs
   * {@code granted} (at once on this thread, or later on the thread that released enough).
   *
   * @return a handle whose {@link Ticket#cancel()} withdraws a request not yet granted
   */
  public Ticket acquire(long bytes, Runnable granted) {
    check(bytes);
    Waiter w = new Waiter(bytes, granted);
    synchronized (this) {
      if (!(waiters.isEmpty() && used + bytes <= capacity)) {
        waiters.add(w);
        saturated = true;
        return new Ticket(this, w);
      }
      used += bytes;
      saturated = saturatedLocked();
    }
    granted.run();
    return new Ticket(this, null);
  }

  /** Counts bytes that are already in memory (may go over the capacity). */
  public synchronized void force(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative: " + bytes);
    }
    used += bytes;
    saturated = saturatedLocked();
  }

  /** Returns bytes; grants waiters that now fit and tells listeners when no longer saturated. */
  public void release(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative: " + bytes);
    }
    settle(bytes);
  }

  private void settle(long bytes) {
    List<Runnable> run = new ArrayList<>(2);
    synchronized (this) {
      if (bytes > used) {
        throw new IllegalStateException(
            "buffer budget: releasing " + bytes + " bytes with only " + used + " taken");
      }
      used -= bytes;
      Waiter w;
      while ((w = waiters.peek()) != null && used + w.bytes <= capacity) {
        waiters.poll();
        used += w.bytes;
        run.add(w.granted);
      }
      saturated = saturatedLocked();
      if (!saturated && !reliefListeners.isEmpty()) {
        run.addAll(reliefListeners);
        reliefListeners.clear();
      }
    }
    for (Runnable r : run) {
      r.run();
    }
  }

  /** True while the budget is used up or tasks are waiting for it: windows stay closed. */
  public boolean saturated() {
    return saturated;
  }

  private boolean saturatedLocked() {
    return used >= capacity || !waiters.isEmpty();
  }

  /** Runs {@code r} once, when the budget is next not {@link #saturated()} (at once if it is not). */
  public void whenRelieved(Runnable r) {
    synchronized (this) {
      if (saturatedLocked()) {
        reliefListeners.add(r);
        return;
      }
    }
    r.run();
  }

  private void check(long bytes) {
    if (bytes <= 0 || bytes > capacity) {
      throw new IllegalArgumentException(
          "request of " + bytes + " bytes outside the buffer budget of " + capacity);
    }
  }

  private synchronized boolean withdraw(Waiter w) {
    boolean removed = waiters.remove(w);
    saturated = saturatedLocked();
    return removed;
  }

  /** A request made with {@link #acquire}. */
  public static final class Ticket {
    private final BufferBudget budget;
    private final Waiter waiter;

    private Ticket(BufferBudget budget, Waiter waiter) {
      this.budget = budget;
      this.waiter = waiter;
    }

    /**
     * Withdraws the request if it is still waiting.
     *
     * @return true when withdrawn (it will never be granted); false when already granted (the
     *     grant callback ran or is about to run, and owns the bytes)
     */
    public boolean cancel() {
      if (waiter == null || !budget.withdraw(waiter)) {
        return false;
      }
      budget.settle(0); // it may have been the head that blocked smaller requests behind it
      return true;
    }
  }
}
