package io.blockraft.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.storage.BlockStore;
import io.blockraft.storage.LbaExtent;
import io.blockraft.storage.MemoryBlockStore;
import io.blockraft.storage.RocksBlockStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalReplicatedVolumeTest {

  @TempDir Path dir;

  private final ExecutorService pool =
      Executors.newFixedThreadPool(2, r -> new Thread(r, "volume-io"));

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void uuid_isSixteenBytes_andSurvivesReopen() {
    byte[] first;
    try (BlockStore store = RocksBlockStore.open(dir)) {
      LocalReplicatedVolume v = new LocalVolumes(store, pool).open("lun0", 2048, 512);
      first = v.uuid();
      assertThat(first).hasSize(16);
      assertThat(new LocalReplicatedVolume(store.volume("lun0").orElseThrow(), pool).uuid())
          .isEqualTo(first);
    }
    try (BlockStore store = RocksBlockStore.open(dir)) {
      LocalReplicatedVolume v = new LocalVolumes(store, pool).open("lun0", 999, 4096);
      assertThat(v.uuid()).isEqualTo(first);
      assertThat(v.blockCount()).isEqualTo(2048);
      assertThat(v.logicalBlockSize()).isEqualTo(512);
    }
  }

  @Test
  void twoVolumes_haveDifferentUuids() {
    try (BlockStore store = new MemoryBlockStore()) {
      LocalVolumes volumes = new LocalVolumes(store, pool);
      assertThat(volumes.open("a", 8, 512).uuid()).isNotEqualTo(volumes.open("b", 8, 512).uuid());
    }
  }

  @Test
  void io_passesThrough_andCompletesOnTheExecutor() {
    try (BlockStore store = new MemoryBlockStore()) {
      LocalReplicatedVolume v = new LocalVolumes(store, pool).open("a", 64, 512);
      assertThat(v.isReady()).isTrue();
      ByteBuffer src = ByteBuffer.allocate(1024);
      src.put(0, (byte) 7).put(1023, (byte) 9);
      AtomicReference<String> thread = new AtomicReference<>();
      // hold every executor thread until the continuation is registered, so the write cannot
      // complete before thenRun (which would then run on this thread instead)
      java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CompletableFuture<?>[] blockers = new java.util.concurrent.CompletableFuture<?>[8];
      for (int i = 0; i < blockers.length; i++) {
        blockers[i] = java.util.concurrent.CompletableFuture.runAsync(() -> {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, pool);
      }
      java.util.concurrent.CompletableFuture<Void> done =
          v.write(3, 2, src).thenRun(() -> thread.set(Thread.currentThread().getName()));
      gate.countDown();
      done.join();
      java.util.concurrent.CompletableFuture.allOf(blockers).join();
      assertThat(thread.get()).isEqualTo("volume-io");

      ByteBuffer dst = ByteBuffer.allocate(1024);
      v.read(3, 2, dst).join();
      assertThat(dst.get(0)).isEqualTo((byte) 7);
      assertThat(dst.get(1023)).isEqualTo((byte) 9);

      assertThat(v.compareAndWrite(3, 1, ByteBuffer.allocate(512), ByteBuffer.allocate(512)).join())
          .isZero();
      assertThat(v.lbaStatus(0, 64).join()).isEqualTo(new LbaExtent(0, 8, true));
      v.unmap(0, 8).join();
      assertThat(v.lbaStatus(0, 64).join()).isEqualTo(new LbaExtent(0, 64, false));
      v.resize(128).join();
      assertThat(v.blockCount()).isEqualTo(128);
      v.putMeta("pr", new byte[] {1}).join();
      assertThat(v.getMeta("pr")).containsExactly(1);
      v.flush().join();
    }
  }

  @Test
  void storeErrors_failTheFuture() {
    try (BlockStore store = new MemoryBlockStore()) {
      LocalReplicatedVolume v = new LocalVolumes(store, pool).open("a", 8, 512);
      assertThatThrownBy(() -> v.read(8, 1, ByteBuffer.allocate(512)).join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void closedVolume_failsWithVolumeUnavailable() {
    try (BlockStore store = new MemoryBlockStore()) {
      LocalReplicatedVolume v = new LocalVolumes(store, pool).open("a", 8, 512);
      v.close();
      assertThat(v.isReady()).isFalse();
      assertThatThrownBy(() -> v.write(0, 1, ByteBuffer.allocate(512)).join())
          .hasCauseInstanceOf(VolumeUnavailableException.class);
    }
  }

  @Test
  void rejectingExecutor_failsTheFutureInsteadOfThrowing() {
    try (BlockStore store = new MemoryBlockStore()) {
      LocalReplicatedVolume v =
          new LocalVolumes(
                  store,
                  r -> {
                    throw new RejectedExecutionException("full");
                  })
              .open("a", 8, 512);
      assertThat(v.read(0, 1, ByteBuffer.allocate(512))).isCompletedExceptionally();
    }
  }
}
