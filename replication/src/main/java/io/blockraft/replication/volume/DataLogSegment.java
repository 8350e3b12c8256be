package io.blockraft.replication.volume;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment file and its index. Record k has Raft index {@code indexes[k]} and occupies bytes
 * [{@code offsets[k]}, {@code offsets[k + 1]}); {@code offsets[count]} is the end of the data.
 *
 * <p>Publication: the single appender writes the slots past {@code count} (growing the arrays
 * into new ones first if needed, copying every published slot) and then increments the volatile
 * {@code count}. Readers read {@code count} first, then the arrays, and touch only slots below
 * it, which appends never change. Removals happen under the log's exclusive lock.
 */
final class DataLogSegment {
  private static final Logger LOG = LoggerFactory.getLogger(DataLog.class);

  @FunctionalInterface
  interface ChannelOp<T> {
    T apply(FileChannel ch) throws IOException;
  }

  final Path path;
  final long startIndex;
  private volatile FileChannel channel;
  private volatile long[] indexes = new long[DataLog.INITIAL_CAPACITY];
  private volatile int[] offsets = new int[DataLog.INITIAL_CAPACITY + 1];
  private volatile int count;
  /** Bytes known to be fsynced; guarded by the log's appendLock. */
  int syncedEnd;
  /** Closed for good (removed, or the log closed); guarded by this. */
  private boolean retired;

  DataLogSegment(Path path, long startIndex, FileChannel channel) {
    this.path = path;
    this.startIndex = startIndex;
    this.channel = channel;
  }

  int count() {
    return count;
  }

  int end() {
    int n = count;
    return offsets[n];
  }

  int offset(int k) {
    return offsets[k];
  }

  long firstIndex() {
    int n = count;
    return n == 0 ? -1 : indexes[0];
  }

  long lastIndex() {
    int n = count;
    return n == 0 ? -1 : indexes[n - 1];
  }

  /** The record of {@code index} as {@code start << 32 | end}, or -1 if there is none. */
  long locate(long index) {
    int n = count;
    int k = Arrays.binarySearch(indexes, 0, n, index);
    if (k < 0) {
      return -1;
    }
    int[] off = offsets;
    return ((long) off[k] << 32) | (off[k + 1] & 0xffffffffL);
  }

  /** Position of the first record with an index &ge; {@code index} ({@code count} if none). */
  int lowerBound(long index) {
    int k = Arrays.binarySearch(indexes, 0, count, index);
    return k >= 0 ? k : -k - 1;
  }

  /** Publishes a record ending at {@code end}; single appender only. */
  void add(long index, int end) {
    int n = count;
    long[] idx = indexes;
    int[] off = offsets;
    if (n == idx.length) {
      int capacity = n + (n >> 1);
      idx = Arrays.copyOf(idx, capacity);
      off = Arrays.copyOf(off, capacity + 1);
      indexes = idx;
      offsets = off;
    }
    idx[n] = index;
    off[n + 1] = end;
    count = n + 1;
  }

  /** Keeps the first {@code k} records; only under the log's exclusive lock. */
  void truncateTo(int k) {
    count = k;
  }

  void readFully(ByteBuffer dst, long pos) throws IOException {
    io(ch -> {
      dst.clear();
      while (dst.hasRemaining()) {
        ByteBuffer chunk = dst.duplicate();
        chunk.limit(chunk.position() + Math.min(chunk.remaining(), DataLog.IO_CHUNK_BYTES));
        if (ch.read(chunk, pos + dst.position()) < 0) {
          throw new EOFException(path + " ends before offset " + (pos + dst.limit()));
        }
        dst.position(chunk.position());
      }
      return null;
    });
    dst.clear();
  }

  void write(ByteBuffer header, ByteBuffer payload, long pos) throws IOException {
    io(ch -> {
      ByteBuffer h = header.duplicate();
      ByteBuffer p = payload.duplicate();
      ch.position(pos);
      while (h.hasRemaining() || p.hasRemaining()) {
        ByteBuffer chunk = p.duplicate();
        chunk.limit(chunk.position() + Math.min(chunk.remaining(), DataLog.IO_CHUNK_BYTES));
        if (h.hasRemaining()) {
          ch.write(new ByteBuffer[] {h, chunk});
        } else {
          ch.write(chunk);
        }
        p.position(chunk.position());
      }
      return null;
    });
  }

  /**
   * Runs {@code op} on the channel, reopening it if another thread's interrupt closed it. An
   * interrupt of the calling thread ({@link ClosedByInterruptException}) is not retried.
   */
  <T> T io(ChannelOp<T> op) throws IOException {
    FileChannel ch = channel;
    for (int attempt = 0; ; attempt++) {
      try {
        return op.apply(ch);
      } catch (ClosedByInterruptException e) {
        throw e;
      } catch (ClosedChannelException e) {
        if (attempt == DataLog.MAX_REOPENS) {
          throw e;
        }
        ch = reopen(ch);
      }
    }
  }

  private synchronized FileChannel reopen(FileChannel dead) throws IOException {
    if (retired) {
      throw new ClosedChannelException();
    }
    if (channel == dead) {
      LOG.debug("Reopening {} (its channel was closed by an interrupt)", path);
      channel = FileChannel.open(path, READ, WRITE);
    }
    return channel;
  }

  synchronized void retire() {
    retired = true;
    try {
      channel.close();
    } catch (IOException e) {
      LOG.warn("Cannot close {}", path, e);
    }
  }

  /** Position of the last segment whose first index is &le; {@code index}, or -1. */
  static int find(DataLogSegment[] segs, long index) {
    int lo = 0;
    int hi = segs.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (segs[mid].startIndex <= index) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The file name of the segment whose first index is {@code firstIndex}. */
  static String fileName(long firstIndex) {
    return String.format("seg-%018d.dat", firstIndex);
  }

  /** Makes a directory's entries (files created, renamed, deleted) durable. */
  static void fsyncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, READ)) {
      d.force(true);
    }
  }
}
