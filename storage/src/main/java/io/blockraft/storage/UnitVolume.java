package io.blockraft.storage;

import java.nio.ByteBuffer;

/**
 * The block-range logic shared by every {@link Volume}: argument checks, mapping logical blocks
 * (512 or 4096 bytes) onto 4 KiB stored units, read-modify-write of partial units, thin
 * deallocation of all-zero units, COMPARE AND WRITE (SBC-4 5.3), UNMAP / WRITE SAME with UNMAP
 * (SBC-4 5.28, 5.48) as whole-unit deletes plus zeroed partial units, and GET LBA STATUS extents
 * (SBC-4 5.7). Subclasses only store units ({@link #readUnit}, {@link #newBatch}, {@link
 * #nextUnit}).
 *
 * <p>Concurrency: every data call locks the units it touches through {@link UnitLocks} (reads
 * shared, writes exclusive) and re-checks the capacity under those locks, so a call is atomic
 * against every overlapping call, concurrent writes to different sectors of one unit never lose
 * each other, and resize/delete (which take every stripe) never race a data call.
 * {@link #lbaStatus} takes no unit locks: it is a point-in-time hint.
 */
abstract class UnitVolume implements Volume {

  static final int UNIT = BlockStore.UNIT_SIZE;
  static final int UNIT_SHIFT = 12;
  static final long UNIT_MASK = UNIT - 1;
  /** Largest capacity in blocks (keeps byte offsets far from overflow). */
  static final long MAX_BLOCKS = 1L << 50;

  private static final byte[] ZEROS = new byte[UNIT];
  private static final ByteBuffer ZERO_HEAP = ByteBuffer.wrap(new byte[UNIT]).asReadOnlyBuffer();
  private static final ByteBuffer ZERO_DIRECT = ByteBuffer.allocateDirect(UNIT).asReadOnlyBuffer();
  private static final ThreadLocal<ByteBuffer> SCRATCH =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(UNIT));

  private final String name;
  private final int logicalBlockSize;
  private final UnitLocks locks = new UnitLocks();
  private volatile long blockCount;
  private volatile boolean deleted;

  protected UnitVolume(String name, long blockCount, int logicalBlockSize) {
    checkGeometry(blockCount, logicalBlockSize);
    this.name = name;
    this.blockCount = blockCount;
    this.logicalBlockSize = logicalBlockSize;
  }

  static void checkGeometry(long blockCount, int logicalBlockSize) {
    if (logicalBlockSize != 512 && logicalBlockSize != 4096) {
      throw new IllegalArgumentException("logical block size must be 512 or 4096: " + logicalBlockSize);
    }
    if (blockCount <= 0 || blockCount > MAX_BLOCKS) {
      throw new IllegalArgumentException("block count out of range: " + blockCount);
    }
  }

  // ---- storage primitives ------------------------------------------------------------------

  /** Copies one unit to {@code dst}'s position (zeros when absent) and advances it by UNIT. */
  protected abstract void readUnit(long unit, ByteBuffer dst);

  /** Copies {@code n} consecutive units to {@code dst}, advancing it; override for bulk reads. */
  protected void readUnits(long first, int n, ByteBuffer dst) {
    for (int i = 0; i < n; i++) {
      readUnit(first + i, dst);
    }
  }

  protected abstract UnitBatch newBatch();

  /** The first unit in {@code [from, to)} whose mapped state is {@code mapped}, or {@code to}. */
  protected abstract long nextUnit(long from, long to, boolean mapped);

  /** Called before every operation (store open check); paired with {@link #exit()}. */
  protected abstract void enter();

  protected abstract void exit();

  // ---- Volume ------------------------------------------------------------------------------

  @Override
  public String name() {
    return name;
  }

  @Override
  public int logicalBlockSize() {
    return logicalBlockSize;
  }

  @Override
  public long blockCount() {
    return blockCount;
  }

  @Override
  public void read(long lba, int count, ByteBuffer dst) {
    long off = preCheck(lba, count, dst, "dst");
    if (count == 0) {
      return;
    }
    long end = off + (long) count * logicalBlockSize;
    long u0 = off >>> UNIT_SHIFT;
    long u1 = unitCeil(end);
    enter();
    locks.lock(u0, u1, false);
    try {
      checkRange(lba, count);
      readRange(off, end, dst);
    } finally {
      locks.unlock(u0, u1, false);
      exit();
    }
  }

  @Override
  public void write(long lba, int count, ByteBuffer src) {
    long off = preCheck(lba, count, src, "src");
    if (count == 0) {
      return;
    }
    long end = off + (long) count * logicalBlockSize;
    long u0 = off >>> UNIT_SHIFT;
    long u1 = unitCeil(end);
    enter();
    locks.lock(u0, u1, true);
    try (UnitBatch batch = newBatch()) {
      checkRange(lba, count);
      writeRange(off, end, src, batch);
      batch.commit();
    } finally {
      locks.unlock(u0, u1, true);
      exit();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>On success both buffers are advanced by the transfer length; on a miscompare neither is.
   */
  @Override
  public long compareAndWrite(long lba, int count, ByteBuffer verify, ByteBuffer data) {
    long off = preCheck(lba, count, verify, "verify");
    preCheck(lba, count, data, "data");
    if (count == 0) {
      return -1;
    }
    long end = off + (long) count * logicalBlockSize;
    long u0 = off >>> UNIT_SHIFT;
    long u1 = unitCeil(end);
    enter();
    locks.lock(u0, u1, true);
    try (UnitBatch batch = newBatch()) {
      checkRange(lba, count);
      ByteBuffer scratch = SCRATCH.get();
      int vpos = verify.position();
      for (long pos = off; pos < end; ) {
        long unit = pos >>> UNIT_SHIFT;
        int inUnit = (int) (pos & UNIT_MASK);
        int len = (int) (Math.min(end, (unit + 1) << UNIT_SHIFT) - pos);
        scratch.clear();
        readUnit(unit, scratch);
        int mm = scratch.slice(inUnit, len).mismatch(verify.slice(vpos, len));
        if (mm >= 0) {
          return pos - off + mm;
        }
        vpos += len;
        pos += len;
      }
      writeRange(off, end, data, batch);
      batch.commit();
      verify.position(vpos);
      return -1;
    } finally {
      locks.unlock(u0, u1, true);
      exit();
    }
  }

  @Override
  public void unmap(long lba, long count) {
    zero(lba, count);
  }

  @Override
  public void writeZeroes(long lba, long count) {
    zero(lba, count);
  }

  @Override
  public LbaExtent lbaStatus(long lba, long maxCount) {
    if (lba < 0 || maxCount <= 0) {
      throw new IllegalArgumentException("bad lba status range: lba=" + lba + " max=" + maxCount);
    }
    enter();
    try {
      checkNotDeleted();
      long bc = blockCount;
      if (lba >= bc) {
        throw new IllegalArgumentException("lba " + lba + " beyond end " + bc);
      }
      long end = lba + Math.min(maxCount, bc - lba);
      long perUnit = UNIT / logicalBlockSize;
      long unit = lba / perUnit;
      long unitEnd = (end + perUnit - 1) / perUnit;
      boolean mapped = nextUnit(unit, unit + 1, true) == unit;
      long next = nextUnit(unit + 1, unitEnd, !mapped);
      long stop = Math.min(end, next * perUnit);
      return new LbaExtent(lba, stop - lba, mapped);
    } finally {
      exit();
    }
  }

  @Override
  public void resize(long newBlockCount) {
    checkGeometry(newBlockCount, logicalBlockSize);
    enter();
    locks.lockAll();
    try (UnitBatch batch = newBatch()) {
      checkNotDeleted();
      long old = blockCount;
      if (newBlockCount < old) {
        long newEnd = newBlockCount * logicalBlockSize;
        long oldEnd = unitCeil(old * logicalBlockSize) << UNIT_SHIFT;
        zeroRange(newEnd, oldEnd, batch);
      }
      batch.blockCount(newBlockCount);
      batch.commit();
      blockCount = newBlockCount;
    } finally {
      locks.unlockAll();
      exit();
    }
  }

  /** Runs {@code deleter} with every unit locked, after which every call fails. */
  final void destroy(Runnable deleter) {
    locks.lockAll();
    try {
      if (!deleted) {
        deleter.run();
        deleted = true;
      }
    } finally {
      locks.unlockAll();
    }
  }

  // ---- range logic -------------------------------------------------------------------------

  private void zero(long lba, long count) {
    if (lba < 0 || count < 0) {
      throw new IllegalArgumentException("bad range: lba=" + lba + " count=" + count);
    }
    if (count == 0) {
      return;
    }
    if (count > MAX_BLOCKS || lba > MAX_BLOCKS) {
      throw new IllegalArgumentException("range beyond any volume: lba=" + lba + " count=" + count);
    }
    long off = lba * logicalBlockSize;
    long end = off + count * logicalBlockSize;
    long u0 = off >>> UNIT_SHIFT;
    long u1 = unitCeil(end);
    enter();
    locks.lock(u0, u1, true);
    try (UnitBatch batch = newBatch()) {
      checkRange(lba, count);
      zeroRange(off, end, batch);
      batch.commit();
    } finally {
      locks.unlock(u0, u1, true);
      exit();
    }
  }

  private void readRange(long off, long end, ByteBuffer dst) {
    long pos = off;
    if ((pos & UNIT_MASK) != 0 || end - pos < UNIT) {
      long unit = pos >>> UNIT_SHIFT;
      int len = (int) (Math.min(end, (unit + 1) << UNIT_SHIFT) - pos);
      readPartial(unit, (int) (pos & UNIT_MASK), len, dst);
      pos += len;
    }
    long fullEnd = end & ~UNIT_MASK;
    if (pos < fullEnd) {
      readUnits(pos >>> UNIT_SHIFT, (int) ((fullEnd - pos) >>> UNIT_SHIFT), dst);
      pos = fullEnd;
    }
    if (pos < end) {
      readPartial(pos >>> UNIT_SHIFT, 0, (int) (end - pos), dst);
    }
  }

  private void readPartial(long unit, int from, int len, ByteBuffer dst) {
    ByteBuffer scratch = SCRATCH.get();
    scratch.clear();
    readUnit(unit, scratch);
    dst.put(dst.position(), scratch, from, len);
    dst.position(dst.position() + len);
  }

  /**
   * Writes [off, end). An all-zero unit is deallocated; one that is not mapped is left alone, so
   * zeros written over unallocated space cost nothing and leave no tombstone behind (tombstones
   * slow every later read and compaction of that range).
   */
  private void writeRange(long off, long end, ByteBuffer src, UnitBatch batch) {
    long lastUnit = unitCeil(end);
    long unmappedUntil = -1; // units in [checked, unmappedUntil) are known to be unmapped
    for (long pos = off; pos < end; ) {
      long unit = pos >>> UNIT_SHIFT;
      int inUnit = (int) (pos & UNIT_MASK);
      int len = (int) (Math.min(end, (unit + 1) << UNIT_SHIFT) - pos);
      ByteBuffer data = src;
      if (len != UNIT) {
        ByteBuffer scratch = SCRATCH.get();
        scratch.clear();
        readUnit(unit, scratch);
        scratch.put(inUnit, src, src.position(), len);
        src.position(src.position() + len);
        scratch.clear();
        data = scratch;
      }
      if (isZero(data, data.position())) {
        if (unit >= unmappedUntil) {
          long nextMapped = nextUnit(unit, lastUnit, true);
          unmappedUntil = nextMapped > unit ? nextMapped : unit;
        }
        if (unit >= unmappedUntil) {
          batch.delete(unit);
        }
        data.position(data.position() + UNIT);
      } else {
        batch.put(unit, data);
      }
      pos += len;
    }
  }

  private void zeroRange(long off, long end, UnitBatch batch) {
    long pos = off;
    if ((pos & UNIT_MASK) != 0 || end - pos < UNIT) {
      long unit = pos >>> UNIT_SHIFT;
      int len = (int) (Math.min(end, (unit + 1) << UNIT_SHIFT) - pos);
      zeroPartial(batch, unit, (int) (pos & UNIT_MASK), len);
      pos += len;
    }
    long fullEnd = end & ~UNIT_MASK;
    if (pos < fullEnd) {
      batch.deleteRange(pos >>> UNIT_SHIFT, fullEnd >>> UNIT_SHIFT);
      pos = fullEnd;
    }
    if (pos < end) {
      zeroPartial(batch, pos >>> UNIT_SHIFT, 0, (int) (end - pos));
    }
  }

  private void zeroPartial(UnitBatch batch, long unit, int from, int len) {
    if (nextUnit(unit, unit + 1, true) != unit) {
      return; // already deallocated: reads as zeros
    }
    ByteBuffer scratch = SCRATCH.get();
    scratch.clear();
    readUnit(unit, scratch);
    scratch.put(from, ZEROS, 0, len);
    scratch.clear();
    putOrDelete(batch, unit, scratch);
  }

  private static void putOrDelete(UnitBatch batch, long unit, ByteBuffer src) {
    if (isZero(src, src.position())) {
      batch.delete(unit);
      src.position(src.position() + UNIT);
    } else {
      batch.put(unit, src);
    }
  }

  /** True when the unit at {@code pos} is all zeros (a vectorized compare, the write hot path). */
  static boolean isZero(ByteBuffer b, int pos) {
    ByteBuffer zeros = b.isDirect() ? ZERO_DIRECT : ZERO_HEAP;
    return zeros.mismatch(b.slice(pos, UNIT)) < 0;
  }

  /** Fills {@code len} bytes (a multiple of UNIT) at {@code dst}'s position with zeros, advancing it. */
  static void zeroFill(ByteBuffer dst, long len) {
    int p = dst.position();
    for (long done = 0; done < len; done += UNIT) {
      dst.put(p, ZEROS);
      p += UNIT;
    }
    dst.position(p);
  }

  // ---- checks ------------------------------------------------------------------------------

  private long preCheck(long lba, int count, ByteBuffer buf, String what) {
    if (lba < 0 || count < 0) {
      throw new IllegalArgumentException("bad range: lba=" + lba + " count=" + count);
    }
    long bytes = (long) count * logicalBlockSize;
    if (buf.remaining() < bytes) {
      throw new IllegalArgumentException(
          what + " has " + buf.remaining() + " bytes remaining, need " + bytes);
    }
    if (lba > MAX_BLOCKS) {
      throw new IllegalArgumentException("lba " + lba + " beyond end " + blockCount);
    }
    return lba * logicalBlockSize;
  }

  private void checkRange(long lba, long count) {
    checkNotDeleted();
    long bc = blockCount;
    if (lba > bc - count) {
      throw new IllegalArgumentException(
          "lba " + lba + " + count " + count + " beyond end " + bc + " of volume " + name);
    }
  }

  protected final void checkNotDeleted() {
    if (deleted) {
      throw new IllegalStateException("volume " + name + " was deleted");
    }
  }

  private static long unitCeil(long bytes) {
    return (bytes + UNIT_MASK) >>> UNIT_SHIFT;
  }
}
