package io.blockraft.replication.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.storage.RocksBlockStore;
import io.blockraft.storage.Volume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.ratis.protocol.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WRITE_BATCH: its header format ({@link VolumeOp}) and how it applies ({@link OpApplier}). */
class WriteBatchTest {

  @TempDir Path dir;

  private static final VolumeOp.WriteBatch BATCH = new VolumeOp.WriteBatch(List.of(
      new VolumeOp.Write(7, 1), new VolumeOp.Write(0, 2), new VolumeOp.Write(1L << 40, 3)));

  @Test
  void header_roundTrips_andToleratesTheLogsPadding() {
    byte[] h = VolumeOp.encode(BATCH);
    assertThat(h).hasSize(5 + 3 * 12);
    assertThat(VolumeOp.decode(ByteBuffer.wrap(h))).isEqualTo(BATCH);
    ByteBuffer padded = ByteBuffer.allocate(h.length + 100).put(h).position(0);
    assertThat(VolumeOp.decode(padded)).isEqualTo(BATCH);
    assertThat(BATCH.payloadBytes(512)).isEqualTo(6 * 512);
  }

  @Test
  void header_badCountsAndTruncation_areRejected() {
    for (int n : new int[] {0, 1, -1, VolumeOp.MAX_BATCH_WRITES + 1, Integer.MAX_VALUE}) {
      ByteBuffer b = ByteBuffer.allocate(5 + 24).put(VolumeOp.WRITE_BATCH).putInt(n);
      assertThatThrownBy(() -> VolumeOp.decode(b.position(0))).as("n=%d", n)
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] h = VolumeOp.encode(BATCH);
    assertThatThrownBy(() -> VolumeOp.decode(ByteBuffer.wrap(Arrays.copyOf(h, h.length - 1))))
        .isInstanceOf(IllegalArgumentException.class);
    ByteBuffer zeroCount = ByteBuffer.wrap(h.clone());
    zeroCount.putInt(5 + 8, 0); // the first write's count
    assertThatThrownBy(() -> VolumeOp.decode(zeroCount)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VolumeOp.WriteBatch(List.of(new VolumeOp.Write(0, 1))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Real RocksDB: each write lands as its own WRITE would; one beyond the end is skipped alone. */
  @Test
  void apply_writesEachInOrder_andSkipsOnlyTheOneThatDoesNotFit() {
    try (RocksBlockStore store = RocksBlockStore.open(dir)) {
      Volume v = store.create("v", 16, 512);
      VolumeOp.WriteBatch b = new VolumeOp.WriteBatch(List.of(new VolumeOp.Write(2, 2),
          new VolumeOp.Write(15, 2), new VolumeOp.Write(3, 1)));
      ByteBuffer payload = ByteBuffer.allocate(5 * 512);
      fill(payload, 0, 1024, (byte) 1);
      fill(payload, 1024, 1024, (byte) 2);
      fill(payload, 2048, 512, (byte) 3);
      Message reply = OpApplier.apply(v, b, payload, null);

      byte[] r = reply.getContent().toByteArray();
      assertThat(r).containsExactly(VolumeStateMachine.OK, VolumeStateMachine.OK,
          VolumeStateMachine.OUT_OF_RANGE, VolumeStateMachine.OK);
      ByteBuffer all = ByteBuffer.allocate(16 * 512);
      v.read(0, 16, all);
      byte[] got = all.array();
      assertThat(Arrays.copyOfRange(got, 2 * 512, 3 * 512)).containsOnly(1);
      assertThat(Arrays.copyOfRange(got, 3 * 512, 4 * 512)).as("the later write wins").containsOnly(3);
      assertThat(Arrays.copyOfRange(got, 15 * 512, 16 * 512)).as("skipped write").containsOnly(0);
      assertThat(Arrays.copyOfRange(got, 0, 2 * 512)).containsOnly(0);
    }
  }

  private static void fill(ByteBuffer b, int at, int len, byte value) {
    for (int i = 0; i < len; i++) {
      b.put(at + i, value);
    }
  }
}
