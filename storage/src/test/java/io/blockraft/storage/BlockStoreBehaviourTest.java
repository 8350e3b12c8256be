package io.blockraft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour every {@link BlockStore} shares; run against each implementation by a subclass. */
abstract class BlockStoreBehaviourTest {

  protected BlockStore store;

  /** A fresh, empty store. */
  protected abstract BlockStore newStore() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  static byte[] random(int len, long seed) {
    byte[] b = new byte[len];
    new Random(seed).nextBytes(b);
    return b;
  }

  static ByteBuffer direct(byte[] data) {
    ByteBuffer b = ByteBuffer.allocateDirect(data.length);
    b.put(data).flip();
    return b;
  }

  static byte[] read(Volume v, long lba, int count) {
    ByteBuffer dst = ByteBuffer.allocateDirect(count * v.logicalBlockSize());
    v.read(lba, count, dst);
    assertThat(dst.remaining()).isZero();
    byte[] out = new byte[dst.capacity()];
    dst.flip().get(out);
    return out;
  }

  static byte[] readHeap(Volume v, long lba, int count) {
    ByteBuffer dst = ByteBuffer.allocate(count * v.logicalBlockSize());
    v.read(lba, count, dst);
    assertThat(dst.remaining()).isZero();
    return dst.array();
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void unwrittenBlocks_readAsZeros(int lbs) {
    Volume v = store.create("v", 1000, lbs);
    assertThat(read(v, 0, 1000)).containsOnly(0);
    assertThat(readHeap(v, 3, 17)).containsOnly(0);
    assertThat(v.lbaStatus(0, 1000)).isEqualTo(new LbaExtent(0, 1000, false));
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void write_thenRead_roundTripsAlignedAndUnalignedRanges(int lbs) {
    Volume v = store.create("v", 4096, lbs);
    int[][] ranges = {{0, 1}, {1, 3}, {7, 9}, {13, 100}, {200, 512}, {4000, 96}, {4095, 1}};
    long seed = 1;
    for (int[] r : ranges) {
      byte[] data = random(r[1] * lbs, seed++);
      ByteBuffer src = seed % 2 == 0 ? direct(data) : ByteBuffer.wrap(data);
      v.write(r[0], r[1], src);
      assertThat(src.remaining()).isZero();
      assertThat(read(v, r[0], r[1])).isEqualTo(data);
      assertThat(readHeap(v, r[0], r[1])).isEqualTo(data);
    }
  }

  @Test
  void write512_neighbouringSectors_areKept() {
    Volume v = store.create("v", 64, 512);
    byte[] all = random(64 * 512, 7);
    v.write(0, 64, direct(all));
    byte[] mid = random(3 * 512, 8);
    v.write(5, 3, ByteBuffer.wrap(mid));
    System.arraycopy(mid, 0, all, 5 * 512, mid.length);
    assertThat(read(v, 0, 64)).isEqualTo(all);
  }

  @Test
  void subUnitWrites_fromManyThreadsToOneUnit_keepEverySector() throws Exception {
    Volume v = store.create("v", 64, 512);
    int threads = 8; // one per 512-byte sector of unit 0, and of unit 1
    int rounds = 300;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int sector = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  byte[] data = new byte[512];
                  for (int r = 0; r < rounds; r++) {
                    Arrays.fill(data, (byte) (sector * 31 + r));
                    v.write(sector, 1, ByteBuffer.wrap(data));
                    v.write(8 + sector, 1, direct(data));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    byte[] got = read(v, 0, 16);
    for (int s = 0; s < 16; s++) {
      byte expected = (byte) ((s % 8) * 31 + rounds - 1);
      for (int i = 0; i < 512; i++) {
        assertThat(got[s * 512 + i]).as("sector %d byte %d", s, i).isEqualTo(expected);
      }
    }
  }

  @Test
  void unmap_partialUnit_zeroesOnlyThoseSectors() {
    Volume v = store.create("v", 32, 512);
    byte[] all = random(32 * 512, 3);
    v.write(0, 32, direct(all));
    v.unmap(2, 3);
    Arrays.fill(all, 2 * 512, 5 * 512, (byte) 0);
    assertThat(read(v, 0, 32)).isEqualTo(all);
    assertThat(v.lbaStatus(0, 32)).isEqualTo(new LbaExtent(0, 32, true));
  }

  @Test
  void unmap_spanningUnits_deallocatesWholeUnitsAndZeroesEdges() {
    Volume v = store.create("v", 64, 512);
    byte[] all = random(64 * 512, 4);
    v.write(0, 64, direct(all));
    v.unmap(6, 20); // 6..25: part of unit 0, units 1 and 2 whole, part of unit 3
    Arrays.fill(all, 6 * 512, 26 * 512, (byte) 0);
    assertThat(read(v, 0, 64)).isEqualTo(all);
    assertThat(v.lbaStatus(0, 64)).isEqualTo(new LbaExtent(0, 8, true));
    assertThat(v.lbaStatus(8, 64)).isEqualTo(new LbaExtent(8, 16, false));
    assertThat(v.lbaStatus(24, 64)).isEqualTo(new LbaExtent(24, 40, true));
  }

  @Test
  void unmap_manyUnits_usesRangeDeleteAndReadsZeros() {
    Volume v = store.create("v", 1000, 4096);
    v.write(0, 1000, direct(random(1000 * 4096, 5)));
    v.unmap(10, 900);
    assertThat(read(v, 10, 900)).containsOnly(0);
    assertThat(v.lbaStatus(0, 1000)).isEqualTo(new LbaExtent(0, 10, true));
    assertThat(v.lbaStatus(10, 1000)).isEqualTo(new LbaExtent(10, 900, false));
    assertThat(v.lbaStatus(910, 1000)).isEqualTo(new LbaExtent(910, 90, true));
  }

  @Test
  void writeZeroes_readsZerosAndDeallocates() {
    Volume v = store.create("v", 16, 4096);
    v.write(0, 16, direct(random(16 * 4096, 6)));
    v.writeZeroes(4, 4);
    assertThat(read(v, 4, 4)).containsOnly(0);
    assertThat(v.lbaStatus(4, 100)).isEqualTo(new LbaExtent(4, 4, false));
  }

  @Test
  void writingAllZeros_deallocatesTheUnit() {
    Volume v = store.create("v", 16, 512);
    v.write(0, 16, direct(random(16 * 512, 9)));
    v.write(0, 8, ByteBuffer.allocate(8 * 512));
    assertThat(v.lbaStatus(0, 16)).isEqualTo(new LbaExtent(0, 8, false));
    v.write(8, 4, ByteBuffer.allocate(4 * 512));
    v.write(12, 4, ByteBuffer.allocate(4 * 512));
    assertThat(v.lbaStatus(0, 16)).isEqualTo(new LbaExtent(0, 16, false));
  }

  @Test
  void lbaStatus_returnsExtentsOfOneStateCappedByMaxCountAndEnd() {
    Volume v = store.create("v", 100, 4096);
    v.write(2, 3, direct(random(3 * 4096, 10)));
    v.write(7, 1, direct(random(4096, 11)));
    assertThat(v.lbaStatus(0, 100)).isEqualTo(new LbaExtent(0, 2, false));
    assertThat(v.lbaStatus(1, 100)).isEqualTo(new LbaExtent(1, 1, false));
    assertThat(v.lbaStatus(2, 100)).isEqualTo(new LbaExtent(2, 3, true));
    assertThat(v.lbaStatus(3, 1)).isEqualTo(new LbaExtent(3, 1, true));
    assertThat(v.lbaStatus(5, 100)).isEqualTo(new LbaExtent(5, 2, false));
    assertThat(v.lbaStatus(7, 100)).isEqualTo(new LbaExtent(7, 1, true));
    assertThat(v.lbaStatus(8, 100)).isEqualTo(new LbaExtent(8, 92, false));
    assertThat(v.lbaStatus(8, 10)).isEqualTo(new LbaExtent(8, 10, false));
    assertThat(v.lbaStatus(99, Long.MAX_VALUE)).isEqualTo(new LbaExtent(99, 1, false));
  }

  @Test
  void lbaStatus512_reportsFromTheRequestedLbaInsideAUnit() {
    Volume v = store.create("v", 100, 512);
    v.write(8, 8, direct(random(8 * 512, 12))); // unit 1
    assertThat(v.lbaStatus(3, 100)).isEqualTo(new LbaExtent(3, 5, false));
    assertThat(v.lbaStatus(9, 100)).isEqualTo(new LbaExtent(9, 7, true));
    assertThat(v.lbaStatus(16, 100)).isEqualTo(new LbaExtent(16, 84, false));
  }

  @Test
  void lbaStatus_atOrBeyondEnd_isIllegalArgument() {
    Volume v = store.create("v", 10, 4096);
    assertThatThrownBy(() -> v.lbaStatus(10, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.lbaStatus(0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void compareAndWrite_equal_writesAndReturnsMinusOne(int lbs) {
    Volume v = store.create("v", 64, lbs);
    byte[] old = random(3 * lbs, 13);
    v.write(5, 3, direct(old));
    byte[] fresh = random(3 * lbs, 14);
    ByteBuffer verify = ByteBuffer.wrap(old);
    ByteBuffer data = direct(fresh);
    assertThat(v.compareAndWrite(5, 3, verify, data)).isEqualTo(-1);
    assertThat(verify.remaining()).isZero();
    assertThat(data.remaining()).isZero();
    assertThat(read(v, 5, 3)).isEqualTo(fresh);
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096})
  void compareAndWrite_miscompare_returnsFirstDifferingOffsetAndWritesNothing(int lbs) {
    Volume v = store.create("v", 64, lbs);
    byte[] old = random(3 * lbs, 15);
    v.write(5, 3, direct(old));
    byte[] verify = old.clone();
    int diffAt = lbs + 77;
    verify[diffAt] ^= 1;
    verify[diffAt + 5] ^= 1;
    byte[] fresh = random(3 * lbs, 16);
    assertThat(v.compareAndWrite(5, 3, ByteBuffer.wrap(verify), direct(fresh))).isEqualTo(diffAt);
    assertThat(read(v, 5, 3)).isEqualTo(old);
  }

  @Test
  void compareAndWrite_onUnwrittenBlocks_comparesAgainstZeros() {
    Volume v = store.create("v", 8, 512);
    assertThat(v.compareAndWrite(1, 1, ByteBuffer.allocate(512), direct(random(512, 17))))
        .isEqualTo(-1);
    assertThat(v.compareAndWrite(1, 1, ByteBuffer.allocate(512), direct(random(512, 18))))
        .isBetween(0L, 511L);
  }

  @Test
  void compareAndWrite_concurrentIncrements_neverLoseAnUpdate() throws Exception {
    Volume v = store.create("v", 16, 512);
    int threads = 4;
    int perThread = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  ByteBuffer cur = ByteBuffer.allocate(2 * 512);
                  ByteBuffer next = ByteBuffer.allocate(2 * 512);
                  for (int i = 0; i < perThread; ) {
                    cur.clear();
                    v.read(3, 2, cur); // spans units 0 and 1
                    long value = cur.getLong(0);
                    next.clear();
                    next.putLong(0, value + 1).putLong(512, value + 1);
                    cur.clear();
                    if (v.compareAndWrite(3, 2, cur, next) == -1) {
                      i++;
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    ByteBuffer got = ByteBuffer.wrap(read(v, 3, 2));
    assertThat(got.getLong(0)).isEqualTo(threads * perThread);
    assertThat(got.getLong(512)).isEqualTo(threads * perThread);
  }

  @Test
  void resize_shrinkDeletesBeyondEnd_andGrowReadsZeros() {
    Volume v = store.create("v", 64, 512);
    byte[] all = random(64 * 512, 19);
    v.write(0, 64, direct(all));
    v.resize(13); // mid-unit: sectors 13..15 of unit 1 must be zeroed
    assertThat(v.blockCount()).isEqualTo(13);
    assertThatThrownBy(() -> read(v, 12, 2)).isInstanceOf(IllegalArgumentException.class);
    v.resize(64);
    byte[] expect = new byte[64 * 512];
    System.arraycopy(all, 0, expect, 0, 13 * 512);
    assertThat(read(v, 0, 64)).isEqualTo(expect);
    assertThat(v.lbaStatus(16, 64)).isEqualTo(new LbaExtent(16, 48, false));
  }

  @Test
  void outOfRangeOrShortBuffer_isIllegalArgument() {
    Volume v = store.create("v", 10, 4096);
    ByteBuffer b = ByteBuffer.allocateDirect(2 * 4096);
    assertThatThrownBy(() -> v.read(9, 2, b)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.write(-1, 1, b)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.read(0, 3, b)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.unmap(5, 6)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.writeZeroes(Long.MAX_VALUE, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.resize(0)).isInstanceOf(IllegalArgumentException.class);
    v.read(10, 0, b); // zero-length at the end is fine
    assertThat(b.position()).isZero();
  }

  @Test
  void create_validatesArguments() {
    store.create("a", 10, 512);
    assertThatThrownBy(() -> store.create("a", 10, 512)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.create("b", 10, 1024)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.create("b", 0, 512)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.create("", 1, 512)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void volumeNames_areSorted_andDeleteRemovesDataAndMeta() {
    Volume b = store.create("b", 10, 4096);
    store.create("a", 10, 4096);
    b.write(0, 1, direct(random(4096, 20)));
    b.putMeta("k", new byte[] {1});
    assertThat(store.volumeNames()).containsExactly("a", "b");
    store.delete("b");
    store.delete("nope");
    assertThat(store.volumeNames()).containsExactly("a");
    assertThat(store.volume("b")).isEmpty();
    assertThatThrownBy(() -> read(b, 0, 1)).isInstanceOf(IllegalStateException.class);
    Volume again = store.create("b", 10, 4096);
    assertThat(read(again, 0, 10)).containsOnly(0);
    assertThat(again.getMeta("k")).isNull();
  }

  @Test
  void meta_putGetAndRemove() {
    Volume v = store.create("v", 10, 512);
    assertThat(v.getMeta("uuid")).isNull();
    v.putMeta("uuid", "abc".getBytes(StandardCharsets.UTF_8));
    assertThat(v.getMeta("uuid")).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
    v.putMeta("uuid", null);
    assertThat(v.getMeta("uuid")).isNull();
  }

  @Test
  void closedStore_rejectsCalls() {
    Volume v = store.create("v", 10, 512);
    store.close();
    assertThatThrownBy(() -> read(v, 0, 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.volumeNames()).isInstanceOf(IllegalStateException.class);
    store = null;
  }
}
