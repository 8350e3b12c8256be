package io.blockraft.replication.volume;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLogTest {

  private static final int SMALL_SEGMENT = 4096;

  @TempDir Path dir;

  /** Deterministic payload of entry {@code index}: 0 to 1499 bytes seeded by the index. */
  private static byte[] payload(long index) {
    byte[] b = new byte[(int) ((index * 7919) % 1500)];
    new Random(index).nextBytes(b);
    return b;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static void appendAll(DataLog log, long from, long to) throws IOException {
    for (long i = from; i <= to; i++) {
      log.append(i, ByteBuffer.wrap(payload(i)));
    }
  }

  private static void assertHolds(DataLog log, long from, long to) throws IOException {
    for (long i = from; i <= to; i++) {
      assertThat(bytes(log.read(i))).as("entry %d", i).isEqualTo(payload(i));
    }
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("seg-")).sorted().toList();
    }
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      b.put(0, (byte) (b.get(0) ^ 0x5a)).clear();
      ch.write(b, offset);
    }
  }

  @Test
  void emptyLog_usesMinusOne_andHasNothing() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      assertThat(log.firstIndex()).isEqualTo(-1);
      assertThat(log.lastIndex()).isEqualTo(-1);
      assertThatThrownBy(() -> log.read(0)).isInstanceOf(NoSuchElementException.class);
      log.flush(7);
      log.truncate(0);
      log.purge(100);
      assertThat(segmentFiles()).isEmpty();
    }
  }

  @Test
  void roundTrip_acrossSegmentRolls() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 0, 300);
      assertThat(log.firstIndex()).isZero();
      assertThat(log.lastIndex()).isEqualTo(300);
      assertHolds(log, 0, 300);
      log.flush(300);
    }
    List<Path> files = segmentFiles();
    assertThat(files).hasSizeGreaterThan(10);
    assertThat(files.get(0).getFileName()).hasToString("seg-000000000000000000.dat");
    for (Path f : files) {
      assertThat(Files.size(f)).isLessThanOrEqualTo(SMALL_SEGMENT);
    }
  }

  @Test
  void recordLargerThanTheSegmentSize_getsASegmentOfItsOwn() throws IOException {
    byte[] big = new byte[3 * SMALL_SEGMENT];
    new Random(1).nextBytes(big);
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      log.append(1, ByteBuffer.wrap(payload(1)));
      log.append(2, ByteBuffer.wrap(big));
      log.append(3, ByteBuffer.wrap(payload(3)));
      assertThat(bytes(log.read(2))).isEqualTo(big);
    }
    assertThat(segmentFiles()).hasSize(3);
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      assertThat(bytes(log.read(2))).isEqualTo(big);
      assertHolds(log, 3, 3);
    }
  }

  @Test
  void sparseIndexes_areFoundAndGapsAreAbsent() throws IOException {
    long[] indexes = {3, 7, 8, 100, 1000, 1001, 50_000};
    try (DataLog log = DataLog.open(dir, 2048)) {
      for (long i : indexes) {
        log.append(i, ByteBuffer.wrap(payload(i)));
      }
      for (long i : indexes) {
        assertHolds(log, i, i);
      }
      for (long gap : new long[] {0, 2, 4, 6, 9, 99, 999, 49_999, 50_001}) {
        assertThatThrownBy(() -> log.read(gap))
            .isInstanceOf(NoSuchElementException.class)
            .hasMessageContaining("index " + gap);
      }
      assertThat(log.firstIndex()).isEqualTo(3);
      assertThat(log.lastIndex()).isEqualTo(50_000);
    }
    try (DataLog log = DataLog.open(dir, 2048)) {
      for (long i : indexes) {
        assertHolds(log, i, i);
      }
      assertThatThrownBy(() -> log.read(5)).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void payloadBuffers_anyKind_areNotModified() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      ByteBuffer direct = ByteBuffer.allocateDirect(payload(1).length);
      direct.put(payload(1)).flip();
      log.append(1, direct);
      assertThat(direct.position()).isZero();

      ByteBuffer readOnly = ByteBuffer.wrap(payload(2)).asReadOnlyBuffer();
      log.append(2, readOnly);

      byte[] framed = new byte[10 + payload(3).length + 10];
      System.arraycopy(payload(3), 0, framed, 10, payload(3).length);
      ByteBuffer slice = ByteBuffer.wrap(framed, 10, payload(3).length);
      log.append(3, slice);
      assertThat(slice.position()).isEqualTo(10);

      log.append(4, ByteBuffer.allocate(0));

      assertHolds(log, 1, 3);
      assertThat(log.read(4).remaining()).isZero();
    }
  }

  @Test
  void rejectsNegativeIndexesAndOversizedPayloads() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      assertThatThrownBy(() -> log.append(-1, ByteBuffer.allocate(1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.append(1, ByteBuffer.allocate(DataLog.MAX_PAYLOAD_BYTES + 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("exceeds");
      assertThat(log.lastIndex()).isEqualTo(-1);
    }
  }

  @Test
  void truncate_thenReappend_isDurable() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 60);
      log.flush(60);
      log.truncate(20);
      assertThat(log.lastIndex()).isEqualTo(19);
      assertThatThrownBy(() -> log.read(20)).isInstanceOf(NoSuchElementException.class);
      assertThatThrownBy(() -> log.read(60)).isInstanceOf(NoSuchElementException.class);
      assertHolds(log, 1, 19);
      log.truncate(500); // nothing at or above it: no-op
      assertThat(log.lastIndex()).isEqualTo(19);

      for (long i = 20; i <= 30; i++) {
        log.append(i, ByteBuffer.wrap(payload(i + 1000)));
      }
      log.flush(30);
      assertThat(bytes(log.read(25))).isEqualTo(payload(1025));
    }
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      assertThat(log.lastIndex()).isEqualTo(30);
      assertHolds(log, 1, 19);
      for (long i = 20; i <= 30; i++) {
        assertThat(bytes(log.read(i))).isEqualTo(payload(i + 1000));
      }
    }
  }

  @Test
  void truncate_atASegmentStart_deletesWholeSegments() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 60);
      String name = segmentFiles().get(2).getFileName().toString();
      long start = Long.parseLong(name.substring(4, name.length() - 4));
      log.truncate(start);
      assertThat(segmentFiles()).hasSize(2);
      assertThat(log.lastIndex()).isEqualTo(start - 1);
      appendAll(log, start, 70);
      assertHolds(log, 1, 70);
      log.truncate(0);
      assertThat(segmentFiles()).isEmpty();
      assertThat(log.lastIndex()).isEqualTo(-1);
      appendAll(log, 5, 6);
      assertHolds(log, 5, 6);
    }
  }

  @Test
  void appendAtOrBelowTheLastIndex_truncatesFirst() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 40);
      log.append(12, ByteBuffer.wrap(payload(9999)));
      assertThat(log.lastIndex()).isEqualTo(12);
      assertThat(bytes(log.read(12))).isEqualTo(payload(9999));
      assertThatThrownBy(() -> log.read(13)).isInstanceOf(NoSuchElementException.class);
      assertHolds(log, 1, 11);
      log.append(12, ByteBuffer.wrap(payload(12))); // same index again
      appendAll(log, 13, 20);
      assertHolds(log, 1, 20);
    }
  }

  @Test
  void purge_deletesOnlyWholeSegments_andKeepsLaterEntriesReadable() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 100);
      int before = segmentFiles().size();
      log.purge(50);
      long first = log.firstIndex();
      assertThat(first).isGreaterThan(1).isLessThanOrEqualTo(51);
      assertThat(segmentFiles()).hasSizeLessThan(before);
      assertHolds(log, first, 100);
      assertThatThrownBy(() -> log.read(1))
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining("index 1 ");
      assertThatThrownBy(() -> log.read(first - 1)).isInstanceOf(NoSuchElementException.class);

      log.purge(first - 1); // nothing left that low: no-op
      assertThat(log.firstIndex()).isEqualTo(first);
      appendAll(log, 101, 120);
      log.flush(120);
    }
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      long first = log.firstIndex();
      assertThat(first).isGreaterThan(1).isLessThanOrEqualTo(51);
      assertHolds(log, first, 120);
      log.purge(120);
      assertThat(log.firstIndex()).isEqualTo(-1);
      assertThat(log.lastIndex()).isEqualTo(-1);
      assertThat(segmentFiles()).isEmpty();
      appendAll(log, 121, 125);
      assertHolds(log, 121, 125);
    }
  }

  @Test
  void reopen_afterClose_restoresEverything_andAppendsContinue() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 10, 200);
      log.flush(200);
    }
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      assertThat(log.firstIndex()).isEqualTo(10);
      assertThat(log.lastIndex()).isEqualTo(200);
      assertHolds(log, 10, 200);
      appendAll(log, 201, 250); // unflushed: close makes it durable
    }
    try (DataLog log = DataLog.open(dir)) { // another segment size reads the same files
      assertThat(log.lastIndex()).isEqualTo(250);
      assertHolds(log, 10, 250);
    }
  }

  @Test
  void reopen_afterTornTail_dropsOnlyTheTornRecord() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      appendAll(log, 1, 20);
      log.flush(20);
    }
    Path segment = segmentFiles().get(0);
    long size = Files.size(segment);
    long tornRecordStart = size - DataLog.HEADER_BYTES - payload(20).length;
    byte[] garbage = new byte[37];
    new Random(42).nextBytes(garbage);
    try (FileChannel ch = FileChannel.open(segment, WRITE)) {
      ch.truncate(size - 10);
      ch.write(ByteBuffer.wrap(garbage), size - 10);
    }
    try (DataLog log = DataLog.open(dir)) {
      assertThat(log.lastIndex()).isEqualTo(19);
      assertHolds(log, 1, 19);
      assertThatThrownBy(() -> log.read(20)).isInstanceOf(NoSuchElementException.class);
      assertThat(Files.size(segment)).isEqualTo(tornRecordStart);
      appendAll(log, 20, 25);
    }
    try (DataLog log = DataLog.open(dir)) {
      assertThat(log.lastIndex()).isEqualTo(25);
      assertHolds(log, 1, 25);
    }
  }

  @Test
  void reopen_afterZeroFilledTail_cutsIt() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      appendAll(log, 0, 5);
    }
    Path segment = segmentFiles().get(0);
    long size = Files.size(segment);
    try (FileChannel ch = FileChannel.open(segment, WRITE)) {
      ch.write(ByteBuffer.allocate(8192), size);
    }
    try (DataLog log = DataLog.open(dir)) {
      assertThat(log.lastIndex()).isEqualTo(5);
      assertHolds(log, 0, 5);
      assertThat(Files.size(segment)).isEqualTo(size);
    }
  }

  @Test
  void reopen_afterTornFirstRecordOfANewSegment_deletesThatSegment() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 40);
    }
    int files = segmentFiles().size();
    Path torn = dir.resolve(DataLogSegment.fileName(41));
    byte[] header = ByteBuffer.allocate(DataLog.HEADER_BYTES).putLong(41).putInt(1000).array();
    Files.write(torn, header); // header written, payload never made it
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      assertThat(Files.exists(torn)).isFalse();
      assertThat(segmentFiles()).hasSize(files);
      assertThat(log.lastIndex()).isEqualTo(40);
      appendAll(log, 41, 41);
      assertHolds(log, 1, 41);
    }
  }

  @Test
  void corruptRecordInAnEarlierSegment_failsTheOpenLoudly() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 60);
    }
    List<Path> files = segmentFiles();
    Path middle = files.get(files.size() / 2);
    long secondRecord = DataLog.HEADER_BYTES + payload(firstIndexOf(middle)).length;
    flipByte(middle, secondRecord + DataLog.HEADER_BYTES); // the second record's payload
    assertThatThrownBy(() -> DataLog.open(dir, SMALL_SEGMENT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(middle.getFileName().toString())
        .hasMessageContaining("offset " + secondRecord)
        .hasMessageContaining("CRC32C");
    // the failed open released the directory lock and changed nothing
    assertThat(segmentFiles()).isEqualTo(files);
    flipByte(middle, secondRecord + DataLog.HEADER_BYTES);
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      assertHolds(log, 1, 60);
    }
  }

  @Test
  void corruptHeaderInAnEarlierSegment_failsTheOpen() throws IOException {
    try (DataLog log = DataLog.open(dir, SMALL_SEGMENT)) {
      appendAll(log, 1, 60);
    }
    Path first = segmentFiles().get(0);
    flipByte(first, 9); // length of the first record
    assertThatThrownBy(() -> DataLog.open(dir, SMALL_SEGMENT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(first.getFileName().toString())
        .hasMessageContaining("offset 0");
  }

  private static long firstIndexOf(Path segment) {
    String name = segment.getFileName().toString();
    return Long.parseLong(name.substring(4, name.length() - 4));
  }

  @Test
  void read_checksTheRecordOnDisk() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      appendAll(log, 1, 3);
      log.flush(3);
      long second = DataLog.HEADER_BYTES + payload(1).length;
      flipByte(segmentFiles().get(0), second + DataLog.HEADER_BYTES + 1);
      assertThatThrownBy(() -> log.read(2))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("offset " + second)
          .hasMessageContaining("CRC32C");
      assertHolds(log, 1, 1);
      assertHolds(log, 3, 3);
    }
  }

  @Test
  void secondOpenOfTheSameDirectory_fails() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      assertThatThrownBy(() -> DataLog.open(dir))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("already open");
    }
    DataLog.open(dir).close();
  }

  @Test
  void closedLog_refusesUse() throws IOException {
    DataLog log = DataLog.open(dir);
    log.append(1, ByteBuffer.wrap(payload(1)));
    log.close();
    log.close();
    assertThatThrownBy(() -> log.read(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> log.append(2, ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void interruptedReader_doesNotBreakTheLogForOthers() throws IOException {
    try (DataLog log = DataLog.open(dir)) {
      appendAll(log, 1, 10);
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> log.read(5)).isInstanceOf(ClosedByInterruptException.class);
      } finally {
        assertThat(Thread.interrupted()).isTrue();
      }
      // the shared channel was closed by the interrupt; everything reopens it
      assertHolds(log, 1, 10);
      appendAll(log, 11, 12);
      log.flush(12);
      assertHolds(log, 1, 12);
    }
    try (DataLog log = DataLog.open(dir)) {
      assertHolds(log, 1, 12);
    }
  }

  @Test
  void concurrentReads_duringAppends_seeEveryPublishedEntry() throws Exception {
    int readers = 4;
    long entries = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    try (DataLog log = DataLog.open(dir, 64 << 10)) {
      AtomicBoolean done = new AtomicBoolean();
      List<Future<Long>> results = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        results.add(pool.submit(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          long reads = 0;
          long seenLast = -1;
          while (!done.get() || reads < 100) {
            long last = log.lastIndex();
            assertThat(last).isGreaterThanOrEqualTo(seenLast);
            seenLast = last;
            if (last < 1) {
              Thread.onSpinWait();
              continue;
            }
            long i = random.nextLong(1, last + 1);
            assertThat(bytes(log.read(i))).as("entry %d", i).isEqualTo(payload(i));
            reads++;
          }
          return reads;
        }));
      }
      for (long i = 1; i <= entries; i++) {
        log.append(i, ByteBuffer.wrap(payload(i)));
        if (i % 64 == 0) {
          log.flush(i);
        }
      }
      done.set(true);
      for (Future<Long> f : results) {
        assertThat(f.get()).isGreaterThanOrEqualTo(100);
      }
      assertHolds(log, 1, entries);
    } finally {
      pool.shutdownNow();
    }
    assertThat(segmentFiles()).hasSizeGreaterThan(10);
  }
}
