package io.blockraft.replication.volume;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a {@link DataLog}: scans its segment files, checks every record (index order, length,
 * CRC32C), rebuilds each segment's index and cuts off a torn tail of the last segment (a crash
 * mid-append); a bad record in any other segment is corruption and fails the open.
 */
final class DataLogRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(DataLog.class);

  private DataLogRecovery() {}

  static DataLogSegment[] load(Path dir) throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        Matcher m = DataLog.SEGMENT_NAME.matcher(name);
        if (!m.matches()) {
          continue;
        }
        long start;
        try {
          start = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
          start = -1;
        }
        if (start < 0 || !DataLogSegment.fileName(start).equals(name)) {
          LOG.warn("{}: ignoring {}, not a segment name this log writes", dir, name);
          continue;
        }
        files.put(start, p);
      }
    }
    List<DataLogSegment> loaded = new ArrayList<>(files.size());
    try {
      long prevLast = -1;
      boolean deleted = false;
      int n = 0;
      for (Map.Entry<Long, Path> f : files.entrySet()) {
        boolean last = ++n == files.size();
        DataLogSegment seg = loadDataLogSegment(f.getValue(), f.getKey(), prevLast, last);
        if (seg == null) {
          deleted = true;
        } else {
          loaded.add(seg);
          prevLast = seg.lastIndex();
        }
      }
      if (deleted) {
        DataLogSegment.fsyncDir(dir);
      }
    } catch (IOException | RuntimeException e) {
      for (DataLogSegment s : loaded) {
        s.retire();
      }
      throw e;
    }
    return loaded.toArray(new DataLogSegment[0]);
  }

  /**
   * Scans one segment file, checking every record. In the last segment a bad record is a torn
   * append and the file is cut there (and deleted, returning null, if nothing is left); in any
   * other it is corruption.
   */
  private static DataLogSegment loadDataLogSegment(Path path, long start, long prevLast, boolean last)
      throws IOException {
    FileChannel ch = FileChannel.open(path, READ, WRITE);
    boolean keep = false;
    try {
      DataLogSegment seg = new DataLogSegment(path, start, ch);
      long size = ch.size();
      Scanner in = new Scanner(ch);
      long pos = 0;
      long prev = prevLast;
      String problem = null;
      while (pos < size) {
        if (size - pos < DataLog.HEADER_BYTES) {
          problem = "incomplete record header";
          break;
        }
        int h = in.fill(pos, DataLog.HEADER_BYTES);
        long index = in.buf.getLong(h);
        int length = in.buf.getInt(h + 8);
        int storedCrc = in.buf.getInt(h + 12);
        if (seg.count() == 0 && index != start) {
          problem = "first record has index " + index + " but the file name says " + start;
        } else if (index <= prev) {
          problem = "index " + index + " does not follow index " + prev;
        } else if (length < 0 || length > DataLog.MAX_PAYLOAD_BYTES) {
          problem = "bad payload length " + length + " for index " + index;
        } else if (size - pos - DataLog.HEADER_BYTES < length) {
          problem = "incomplete payload for index " + index;
        } else if (pos + DataLog.HEADER_BYTES + length > Integer.MAX_VALUE) {
          problem = "segment larger than 2 GiB";
        } else if (in.crc(pos + DataLog.HEADER_BYTES, length) != storedCrc) {
          problem = "CRC32C mismatch for index " + index;
        }
        if (problem != null) {
          break;
        }
        pos += DataLog.HEADER_BYTES + length;
        seg.add(index, (int) pos);
        prev = index;
      }
      if (problem != null) {
        String where = path + " at offset " + pos + ": " + problem;
        if (!last) {
          throw new IOException("corrupt data log segment " + where);
        }
        LOG.warn("Cutting off the torn tail of {} ({} bytes dropped)", where, size - pos);
        ch.truncate(pos);
      }
      if (seg.count() == 0) {
        if (!last) {
          throw new IOException("empty data log segment " + path + " is not the last one");
        }
        ch.close();
        Files.delete(path);
        LOG.warn("Deleted {}: no intact record", path);
        return null;
      }
      if (last) {
        ch.force(true); // what a kill -9 left in the page cache, and the cut
      }
      seg.syncedEnd = seg.end();
      keep = true;
      return seg;
    } finally {
      if (!keep) {
        ch.close();
      }
    }
  }

  /** Forward-only buffered reads of one segment file for the open-time scan. */
  private static final class Scanner {
    final ByteBuffer buf = ByteBuffer.allocate(DataLog.IO_CHUNK_BYTES);
    private final FileChannel ch;
    private long bufPos;

    Scanner(FileChannel ch) {
      this.ch = ch;
      buf.limit(0);
    }

    /** Makes file bytes [pos, pos + n) available in buf; returns where they start in it. */
    int fill(long pos, int n) throws IOException {
      if (pos < bufPos || pos + n > bufPos + buf.limit()) {
        buf.clear();
        bufPos = pos;
        while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) >= 0) {
          // read until full or end of file
        }
        buf.flip();
        if (buf.limit() < n) {
          throw new EOFException("file shrank while being scanned");
        }
      }
      return (int) (pos - bufPos);
    }

    int crc(long pos, int length) throws IOException {
      CRC32C crc = new CRC32C();
      long end = pos + length;
      while (pos < end) {
        int n = (int) Math.min(buf.capacity(), end - pos);
        int at = fill(pos, n);
        crc.update(buf.array(), at, n);
        pos += n;
      }
      return (int) crc.getValue();
    }
  }
}
