package io.blockraft.storage;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Striped read/write locks over the stored units of one volume. Unit {@code u} maps to stripe
 * {@code u mod STRIPES}, so a contiguous run of units maps to distinct stripes. A range is locked
 * by taking its stripes in ascending stripe order (and all of them when the range spans every
 * stripe), which makes every pair of range locks deadlock-free. Reads take read locks, writes
 * (including read-modify-write of a 512-byte sector inside a 4 KiB unit) take write locks, so a
 * call is atomic against every other call that overlaps it.
 */
final class UnitLocks {

  static final int STRIPES = 1024;
  private static final int MASK = STRIPES - 1;

  private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];

  UnitLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantReadWriteLock();
    }
  }

  /** Locks units {@code [from, to)}; {@code to > from}. */
  void lock(long from, long to, boolean write) {
    forEachStripe(from, to, write, true);
  }

  /** Unlocks what {@link #lock} with the same arguments took. */
  void unlock(long from, long to, boolean write) {
    forEachStripe(from, to, write, false);
  }

  void lockAll() {
    lock(0, STRIPES, true);
  }

  void unlockAll() {
    unlock(0, STRIPES, true);
  }

  private void forEachStripe(long from, long to, boolean write, boolean acquire) {
    if (to - from >= STRIPES) {
      apply(0, MASK, write, acquire);
      return;
    }
    int a = (int) (from & MASK);
    int b = (int) ((to - 1) & MASK);
    if (a <= b) {
      apply(a, b, write, acquire);
    } else {
      apply(0, b, write, acquire);
      apply(a, MASK, write, acquire);
    }
  }

  private void apply(int first, int last, boolean write, boolean acquire) {
    for (int i = first; i <= last; i++) {
      Lock l = write ? stripes[i].writeLock() : stripes[i].readLock();
      if (acquire) {
        l.lock();
      } else {
        l.unlock();
      }
    }
  }
}
