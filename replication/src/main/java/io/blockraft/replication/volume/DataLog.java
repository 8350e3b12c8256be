package io.blockraft.replication.volume;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable home of Raft state-machine data for one group: an append-only, segmented file log
 * mapping a Raft log index to the payload bytes of that entry. No RFC defines it (the format is
 * ours).
 *
 * <p><b>Why it exists.</b> Write payloads travel in Ratis as "state machine data"
 * ({@code StateMachineLogEntryProto.stateMachineData}). Ratis strips that field before writing
 * its own log ({@code DataLogSegmentedRaftLogWorker.WriteLog} calls {@code
 * LogProtoUtils.removeStateMachineData} and hands the entry to {@code
 * stateMachine.data().write(entry)}), so the state machine must keep the bytes itself. Its {@code
 * StateMachine.DataApi} methods delegate here:
 *
 * <ul>
 *   <li>{@code write(entry)} &rarr; {@link #append}: called in increasing index order; no fsync.
 *   <li>{@code flush(logIndex)} &rarr; {@link #flush}: Ratis calls it just before it fsyncs its
 *       own log, so after it returns every payload appended so far survives kill -9 and power
 *       loss. That ordering is what makes "Ratis has entry i durably" imply "we have its data".
 *   <li>{@code truncate(logIndex)} &rarr; {@link #truncate}: removes every entry with index &ge;
 *       {@code logIndex}. (The DataApi JavaDoc calls the argument "the last log index after
 *       truncation", but {@code DataLogSegmentedRaftLog.truncateImpl} passes the first index it removes
 *       from its own log, exactly as {@code LogDataLogSegment.truncate(fromIndex)} does; pass it on
 *       unchanged.)
 *   <li>{@code read(entry)} &rarr; {@link #read}: any thread, concurrently with appends.
 *   <li>after a snapshot: {@link #purge}.
 * </ul>
 *
 * <p><b>Format.</b> DataLogSegment files {@code seg-<first index, 18 digits>.dat}, each a sequence of
 * records {@code [8-byte index][4-byte payload length][4-byte CRC32C of the payload][payload]}
 * (big-endian). Indexes strictly increase across the whole log but need not be contiguous: entries
 * without a payload (configuration entries, metadata operations) are simply never appended. A
 * segment's name is the index of its first record. A new segment is started when the next record
 * would take the current one past the segment size (64 MiB). A {@value #LOCK_FILE} file holds an
 * exclusive lock while the log is open.
 *
 * <p><b>Durability.</b> Appends go to the page cache; {@link #flush} fsyncs the active segment
 * (and the directory when a segment was created). Rolling to a new segment first fsyncs the one
 * being closed, so every segment but the last is complete on disk: on {@link #open}, a bad record
 * in the last segment is a torn append (crash mid-write) and the tail from it on is cut off, while
 * a bad record in any other segment is corruption and fails the open. Truncations are made durable
 * before {@link #truncate} returns. After a failed fsync the log refuses further writes (the
 * kernel may have dropped the dirty pages; retrying the fsync could falsely succeed): reopen it.
 *
 * <p><b>Memory.</b> Per segment, a {@code long[]} of record indexes and an {@code int[]} of record
 * offsets (12 bytes per entry), looked up by binary search.
 *
 * <p><b>Concurrency.</b> One appender at a time ({@link #append}; Ratis calls it from one thread).
 * Appends publish new records to readers through volatile fields, without blocking them. Readers
 * hold a read lock that only {@link #truncate}, {@link #purge} and {@link #close} take exclusively
 * (they remove what a reader might be reading). {@link #flush} fsyncs without blocking appends.
 * File channels closed underneath (a thread interrupted during a read closes the shared {@link
 * FileChannel}) are reopened transparently.
 *
 * <p><b>Index conventions.</b> Raft indexes start at 0 ({@code RaftLog.LEAST_VALID_LOG_INDEX}), so
 * {@link #firstIndex()} and {@link #lastIndex()} return -1 ({@code RaftLog.INVALID_LOG_INDEX}) for
 * an empty log.
 */
public final class DataLog implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(DataLog.class);

  /** Record header: index (8 bytes), payload length (4), CRC32C of the payload (4). */
  static final int HEADER_BYTES = 16;

  /** Largest payload: a 32 MiB write plus slack for the state machine's own framing. */
  public static final int MAX_PAYLOAD_BYTES = (32 << 20) + (64 << 10);

  /** DataLogSegment size: a new segment starts when a record would take the current one past this. */
  static final int DEFAULT_SEGMENT_BYTES = 64 << 20;

  /** Largest configurable segment size (record offsets are {@code int}s). */
  static final int MAX_SEGMENT_BYTES = 1 << 30;

  static final String LOCK_FILE = "datalog.lock";

  static final Pattern SEGMENT_NAME = Pattern.compile("seg-(\\d{18,19})\\.dat");
  static final int INITIAL_CAPACITY = 256;
  /** File IO goes in chunks of at most this, bounding the JDK's per-thread temporary buffers. */
  static final int IO_CHUNK_BYTES = 1 << 20;
  static final int MAX_REOPENS = 16;

  private final Path dir;
  private final int segmentBytes;
  private final FileChannel lockChannel;

  // Lock order: syncLock, appendLock, removal. Readers take only removal's read lock.
  /** Held by flush while it fsyncs, and by truncate, purge and close throughout. */
  private final ReentrantLock syncLock = new ReentrantLock();
  /** Held by append, and by everything that changes the segment list. */
  private final ReentrantLock appendLock = new ReentrantLock();
  /** Read: reading a record. Write: removing records or closing channels. */
  private final ReentrantReadWriteLock removal = new ReentrantReadWriteLock();

  /** DataLogSegments by increasing first index; replaced (copy on write) under appendLock. */
  private volatile DataLogSegment[] segments;
  /** DataLogSegment creations so far; guarded by appendLock. */
  private long dirChanges;
  /** {@link #dirChanges} made durable by a directory fsync; written under syncLock + appendLock. */
  private long dirSynced;
  private volatile boolean closed;
  /** Set when an fsync or a truncation failed: the log refuses writes from then on. */
  private volatile IOException failure;

  private DataLog(Path dir, int segmentBytes, FileChannel lockChannel, DataLogSegment[] segments) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.lockChannel = lockChannel;
    this.segments = segments;
  }

  /**
   * Opens the log in {@code dir} (created if missing): loads every segment, checks every record's
   * CRC32C, rebuilds the index and cuts off a torn tail of the last segment.
   *
   * @throws IOException if a segment other than the last is corrupt (the message names the file
   *     and the offset), or the log is already open (in this process or another)
   */
  public static DataLog open(Path dir) throws IOException {
    return open(dir, DEFAULT_SEGMENT_BYTES);
  }

  /** {@link #open(Path)} with a given segment size (tests use small ones). */
  static DataLog open(Path dir, int segmentBytes) throws IOException {
    if (segmentBytes <= HEADER_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new IllegalArgumentException("segment size out of range: " + segmentBytes);
    }
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), CREATE, WRITE);
    try {
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("data log " + dir + " is already open (" + LOCK_FILE + " is locked)");
      }
      return new DataLog(dir, segmentBytes, lockChannel, DataLogRecovery.load(dir));
    } catch (IOException | RuntimeException e) {
      lockChannel.close(); // releases the lock
      throw e;
    }
  }

  /** The directory holding the segments. */
  public Path dir() {
    return dir;
  }

  /** Index of the first stored entry, or -1 when the log is empty. */
  public long firstIndex() {
    for (DataLogSegment s : segments) {
      long first = s.firstIndex();
      if (first >= 0) {
        return first;
      }
    }
    return -1;
  }

  /** Index of the last stored entry, or -1 when the log is empty. */
  public long lastIndex() {
    DataLogSegment[] segs = segments;
    for (int s = segs.length - 1; s >= 0; s--) {
      long last = segs[s].lastIndex();
      if (last >= 0) {
        return last;
      }
    }
    return -1;
  }

  /**
   * Appends the payload of log entry {@code index}: the bytes from {@code payload}'s position to
   * its limit (the buffer itself is not modified; heap, direct and read-only buffers all work). Not
   * durable until {@link #flush}. An {@code index} at or below {@link #lastIndex()} means the Raft
   * log was truncated and is being rewritten: it is treated as {@code truncate(index)} first.
   *
   * @throws IllegalArgumentException if {@code index} is negative or the payload is larger than
   *     {@link #MAX_PAYLOAD_BYTES}
   */
  public void append(long index, ByteBuffer payload) throws IOException {
    if (index < 0) {
      throw new IllegalArgumentException("negative log index " + index);
    }
    int length = payload.remaining();
    if (length > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "payload of " + length + " bytes for index " + index + " exceeds " + MAX_PAYLOAD_BYTES);
    }
    ByteBuffer data = payload.duplicate();
    CRC32C crc = new CRC32C();
    crc.update(data.duplicate());
    ByteBuffer header =
        ByteBuffer.allocate(HEADER_BYTES).putLong(index).putInt(length).putInt((int) crc.getValue());
    header.flip();
    while (true) {
      appendLock.lock();
      try {
        checkWritable();
        if (index > lastIndex()) {
          appendLocked(index, header, data);
          return;
        }
      } finally {
        appendLock.unlock();
      }
      // truncate takes syncLock, which comes before appendLock in the lock order
      LOG.info("{}: append of index {} at or below the last index {}: truncating first", dir,
          index, lastIndex());
      truncate(index);
    }
  }

  private void appendLocked(long index, ByteBuffer header, ByteBuffer data) throws IOException {
    int recordBytes = HEADER_BYTES + data.remaining();
    DataLogSegment seg = active();
    boolean created = false;
    if (seg == null || (long) seg.end() + recordBytes > segmentBytes) {
      if (seg != null) {
        seal(seg);
      }
      seg = createDataLogSegment(index);
      created = true;
    }
    int offset = seg.end();
    try {
      seg.write(header, data, offset);
    } catch (IOException | RuntimeException e) {
      if (created) {
        discard(seg, e);
      }
      throw e;
    }
    seg.add(index, offset + recordBytes);
  }

  /** Makes the segment being left complete on disk: no garbage past its end, fsynced. */
  private void seal(DataLogSegment seg) throws IOException {
    int end = seg.end();
    try {
      seg.io(ch -> {
        if (ch.size() > end) {
          ch.truncate(end);
        }
        ch.force(false);
        return null;
      });
    } catch (IOException e) {
      throw fail("cannot seal " + seg.path, e);
    }
    seg.syncedEnd = end;
  }

  private DataLogSegment createDataLogSegment(long index) throws IOException {
    Path path = dir.resolve(DataLogSegment.fileName(index));
    // A leftover file of that name can only be an empty segment whose removal failed.
    DataLogSegment seg = new DataLogSegment(path, index, FileChannel.open(path, CREATE, TRUNCATE_EXISTING, READ,
        WRITE));
    DataLogSegment[] segs = segments;
    DataLogSegment[] next = Arrays.copyOf(segs, segs.length + 1);
    next[segs.length] = seg;
    segments = next;
    dirChanges++;
    return seg;
  }

  /** Removes a just-created segment whose first record could not be written. */
  private void discard(DataLogSegment seg, Exception cause) {
    removal.writeLock().lock();
    try {
      DataLogSegment[] segs = segments;
      segments = Arrays.copyOf(segs, segs.length - 1);
      seg.retire();
      Files.deleteIfExists(seg.path);
    } catch (IOException e) {
      cause.addSuppressed(e);
    } finally {
      removal.writeLock().unlock();
    }
  }

  /**
   * Makes everything appended so far durable ({@link FileChannel#force force(false)}); Ratis passes
   * the last index it wrote, which may be an entry without a payload, so {@code index} is only
   * informational. Does not block concurrent appends while it fsyncs.
   */
  public void flush(long index) throws IOException {
    syncLock.lock();
    try {
      DataLogSegment seg;
      int target;
      long dirTarget;
      appendLock.lock();
      try {
        checkWritable();
        seg = active();
        target = seg == null ? 0 : seg.end();
        if (seg != null && seg.syncedEnd >= target) {
          seg = null;
        }
        dirTarget = dirChanges;
      } finally {
        appendLock.unlock();
      }
      boolean syncDir = dirSynced < dirTarget; // only flush writes it, holding syncLock
      if (seg == null && !syncDir) {
        return;
      }
      try {
        if (seg != null) {
          seg.io(ch -> {
            ch.force(false);
            return null;
          });
        }
        if (syncDir) {
          DataLogSegment.fsyncDir(dir);
        }
      } catch (ClosedByInterruptException e) {
        throw e;
      } catch (IOException e) {
        throw fail("cannot flush " + (seg == null ? dir : seg.path) + " up to index " + index, e);
      }
      appendLock.lock();
      try {
        if (seg != null) {
          seg.syncedEnd = Math.max(seg.syncedEnd, target);
        }
        dirSynced = Math.max(dirSynced, dirTarget);
      } finally {
        appendLock.unlock();
      }
    } finally {
      syncLock.unlock();
    }
  }

  /**
   * Removes every entry with index &ge; {@code index} (a follower's log conflict) and makes the
   * removal durable before returning. A no-op if there is none.
   */
  public void truncate(long index) throws IOException {
    syncLock.lock();
    appendLock.lock();
    removal.writeLock().lock();
    try {
      checkWritable();
      DataLogSegment[] segs = segments;
      int keep = segs.length;
      while (keep > 0 && segs[keep - 1].startIndex >= index) {
        keep--;
      }
      try {
        // newest first, so a crash in between leaves a prefix of the log
        for (int s = segs.length - 1; s >= keep; s--) {
          segs[s].retire();
          Files.deleteIfExists(segs[s].path);
          segments = Arrays.copyOf(segs, s);
        }
        if (keep > 0) {
          DataLogSegment seg = segs[keep - 1];
          int k = seg.lowerBound(index);
          if (k < seg.count()) {
            int cut = seg.offset(k);
            seg.io(ch -> {
              ch.truncate(cut);
              ch.force(true);
              return null;
            });
            seg.truncateTo(k);
            seg.syncedEnd = cut;
          }
        }
        if (keep < segs.length) {
          DataLogSegment.fsyncDir(dir);
        }
      } catch (IOException e) {
        throw fail("cannot truncate " + dir + " from index " + index, e);
      }
    } finally {
      removal.writeLock().unlock();
      appendLock.unlock();
      syncLock.unlock();
    }
  }

  /**
   * Deletes the segments whose entries are all &le; {@code upToIndex} (after a snapshot covering
   * them). Whole segments only: the one holding later entries stays, so {@link #firstIndex()} may
   * still be &le; {@code upToIndex} afterwards. Deletions need not be durable (a segment coming back
   * after a crash only holds entries below the snapshot), so there is no fsync.
   */
  public void purge(long upToIndex) throws IOException {
    syncLock.lock();
    appendLock.lock();
    removal.writeLock().lock();
    try {
      ensureOpen();
      DataLogSegment[] segs = segments;
      int drop = 0;
      while (drop < segs.length && segs[drop].lastIndex() <= upToIndex) {
        drop++;
      }
      if (drop == 0) {
        return;
      }
      segments = Arrays.copyOfRange(segs, drop, segs.length);
      IOException error = null;
      for (int s = 0; s < drop; s++) {
        segs[s].retire();
        try {
          Files.deleteIfExists(segs[s].path);
        } catch (IOException e) {
          if (error == null) {
            error = new IOException("cannot delete purged segments in " + dir, e);
          } else {
            error.addSuppressed(e);
          }
        }
      }
      if (error != null) {
        throw error;
      }
    } finally {
      removal.writeLock().unlock();
      appendLock.unlock();
      syncLock.unlock();
    }
  }

  /**
   * The payload of entry {@code index}, flushed or not, as a new heap buffer (position 0, limit
   * the payload length) owned by the caller. The record's index, length and CRC32C are checked.
   * Safe to call from any thread, concurrently with appends.
   *
   * @throws NoSuchElementException if the log holds no entry {@code index} (never appended,
   *     truncated or purged)
   * @throws IOException if the record on disk does not match (the message names file and offset)
   */
  public ByteBuffer read(long index) throws IOException {
    removal.readLock().lock();
    try {
      ensureOpen();
      DataLogSegment[] segs = segments;
      int s = DataLogSegment.find(segs, index);
      long span = s < 0 ? -1 : segs[s].locate(index);
      if (span < 0) {
        throw new NoSuchElementException("no data for log index " + index + " in " + dir
            + " (holds " + firstIndex() + ".." + lastIndex() + ")");
      }
      DataLogSegment seg = segs[s];
      int start = (int) (span >>> 32);
      int length = (int) span - start - HEADER_BYTES;
      if (length < 0 || length > MAX_PAYLOAD_BYTES) {
        throw new IllegalStateException("bad record span for index " + index + " in " + seg.path);
      }
      ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + length);
      seg.readFully(record, start);
      long storedIndex = record.getLong(0);
      int storedLength = record.getInt(8);
      int storedCrc = record.getInt(12);
      String problem = null;
      if (storedIndex != index || storedLength != length) {
        problem = "header says index " + storedIndex + ", length " + storedLength + "; expected "
            + index + ", " + length;
      } else {
        CRC32C crc = new CRC32C();
        crc.update(record.array(), HEADER_BYTES, length);
        if ((int) crc.getValue() != storedCrc) {
          problem = "CRC32C mismatch for index " + index;
        }
      }
      if (problem != null) {
        throw new IOException("corrupt record in " + seg.path + " at offset " + start + ": "
            + problem);
      }
      return record.position(HEADER_BYTES).slice();
    } finally {
      removal.readLock().unlock();
    }
  }

  /**
   * Closes the log: fsyncs the active segment (unless the log failed), closes every file and
   * releases the directory lock. Idempotent; later calls of other methods throw {@link
   * IllegalStateException}.
   */
  @Override
  public void close() throws IOException {
    syncLock.lock();
    appendLock.lock();
    removal.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      IOException error = null;
      DataLogSegment seg = active();
      if (seg != null && failure == null) {
        try {
          seal(seg);
        } catch (IOException e) {
          error = e;
        }
      }
      for (DataLogSegment s : segments) {
        s.retire();
      }
      try {
        lockChannel.close();
      } catch (IOException e) {
        if (error == null) {
          error = e;
        } else {
          error.addSuppressed(e);
        }
      }
      if (error != null) {
        throw error;
      }
    } finally {
      removal.writeLock().unlock();
      appendLock.unlock();
      syncLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "DataLog[" + dir + ", " + firstIndex() + ".." + lastIndex() + ", "
        + segments.length + " segments]";
  }

  private DataLogSegment active() {
    DataLogSegment[] segs = segments;
    return segs.length == 0 ? null : segs[segs.length - 1];
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("data log " + dir + " is closed");
    }
  }

  private void checkWritable() throws IOException {
    ensureOpen();
    IOException f = failure;
    if (f != null) {
      throw new IOException("data log " + dir + " failed earlier and takes no more writes; reopen"
          + " it", f);
    }
  }

  /** Records a failure that leaves the on-disk state uncertain; returns the exception to throw. */
  private IOException fail(String message, IOException cause) {
    IOException e = new IOException(message, cause);
    if (!(cause instanceof ClosedByInterruptException)) {
      failure = e;
    }
    return e;
  }
}
