package io.blockraft.replication.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.storage.RocksBlockStore;
import io.blockraft.storage.Volume;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data ops sent on behalf of an issuer: their header format ({@link VolumeOp}) and how the write
 * guard decides them at apply time ({@link OpApplier}).
 */
class IssuedOpsTest {

  @TempDir Path dir;

  private static final byte[] X = "x".getBytes(StandardCharsets.UTF_8);
  private static final byte[] Y = "issuer-y".getBytes(StandardCharsets.UTF_8);

  private static void assertRoundTrip(VolumeOp op) {
    byte[] h = VolumeOp.encode(op);
    assertThat(VolumeOp.decode(ByteBuffer.wrap(h))).usingRecursiveComparison().isEqualTo(op);
  }

  @Test
  void issuedHeaders_roundTrip_andPlainOnesKeepTheirFormat() {
    assertRoundTrip(new VolumeOp.Write(7, 3, X));
    assertRoundTrip(new VolumeOp.CompareWrite(1L << 40, 1, Y));
    assertRoundTrip(new VolumeOp.Unmap(0, 0, X));
    assertRoundTrip(new VolumeOp.WriteZeroes(5, 1L << 33, Y));
    assertRoundTrip(new VolumeOp.WriteBatch(List.of(new VolumeOp.Write(1, 1, X),
        new VolumeOp.Write(2, 2), new VolumeOp.Write(3, 3, Y))));
    // without an issuer the header is byte for byte what earlier versions wrote (old logs replay)
    assertThat(VolumeOp.encode(new VolumeOp.Write(7, 3))).hasSize(13).startsWith(VolumeOp.WRITE);
    assertThat(VolumeOp.encode(new VolumeOp.Unmap(1, 2))).hasSize(17).startsWith(VolumeOp.UNMAP);
    assertThat(VolumeOp.encode(new VolumeOp.WriteBatch(List.of(new VolumeOp.Write(1, 1),
        new VolumeOp.Write(2, 2))))).hasSize(5 + 24).startsWith(VolumeOp.WRITE_BATCH);
    // the log pads headers of ops with a payload
    byte[] h = VolumeOp.encode(new VolumeOp.Write(7, 3, X));
    ByteBuffer padded = ByteBuffer.allocate(h.length + 64).put(h).position(0);
    assertThat(VolumeOp.decode(padded).issuer()).isEqualTo(X);
  }

  @Test
  void badIssuers_areRejected() {
    assertThatThrownBy(() -> VolumeOp.encode(new VolumeOp.Write(0, 1, new byte[0])))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VolumeOp.encode(
        new VolumeOp.Unmap(0, 1, new byte[VolumeOp.MAX_ISSUER_BYTES + 1])))
        .isInstanceOf(IllegalArgumentException.class);
    // a length beyond the header, zero, or beyond the limit
    for (int len : new int[] {2, 0, 0xffff, VolumeOp.MAX_ISSUER_BYTES + 1}) {
      ByteBuffer b = ByteBuffer.allocate(1 + 16 + 2 + 1).put((byte) 'u').putLong(0).putLong(1)
          .putShort((short) len).put((byte) 1);
      assertThatThrownBy(() -> VolumeOp.decode(b.position(0))).as("len=%d", len)
          .isInstanceOf(IllegalArgumentException.class);
    }
    // an unmap ends with its issuer: anything after it is an error
    byte[] h = VolumeOp.encode(new VolumeOp.Unmap(0, 1, X));
    assertThatThrownBy(() -> VolumeOp.decode(ByteBuffer.wrap(Arrays.copyOf(h, h.length + 1))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VolumeOp.decode(ByteBuffer.wrap(Arrays.copyOf(h, h.length - 1))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Real RocksDB: a refused op changes nothing and answers FENCED; plain ops are never judged. */
  @Test
  void apply_refusedIssuerChangesNothing_othersApply() {
    try (RocksBlockStore store = RocksBlockStore.open(dir)) {
      Volume v = store.create("v", 16, 512);
      Predicate<byte[]> onlyY = issuer -> Arrays.equals(issuer, Y);
      ByteBuffer ones = filled(512, (byte) 1);

      assertThat(status(OpApplier.apply(v, new VolumeOp.Write(0, 1, X), ones.duplicate(), onlyY)))
          .isEqualTo(VolumeStateMachine.FENCED);
      assertThat(status(OpApplier.apply(v, new VolumeOp.Write(1, 1, Y), ones.duplicate(), onlyY)))
          .isEqualTo(VolumeStateMachine.OK);
      assertThat(status(OpApplier.apply(v, new VolumeOp.Write(2, 1), ones.duplicate(), onlyY)))
          .as("an op without an issuer").isEqualTo(VolumeStateMachine.OK);
      assertThat(status(OpApplier.apply(v, new VolumeOp.Unmap(1, 2, X), null, onlyY)))
          .isEqualTo(VolumeStateMachine.FENCED);
      assertThat(status(OpApplier.apply(v, new VolumeOp.WriteZeroes(1, 2, X), null, onlyY)))
          .isEqualTo(VolumeStateMachine.FENCED);
      ByteBuffer cw = ByteBuffer.allocate(1024).put(512, filled(512, (byte) 9), 0, 512);
      assertThat(status(OpApplier.apply(v, new VolumeOp.CompareWrite(3, 1, X), cw, onlyY)))
          .isEqualTo(VolumeStateMachine.FENCED);

      ByteBuffer payload = ByteBuffer.allocate(3 * 512);
      payload.put(0, filled(512, (byte) 4), 0, 512).put(512, filled(512, (byte) 5), 0, 512)
          .put(1024, filled(512, (byte) 6), 0, 512);
      VolumeOp.WriteBatch batch = new VolumeOp.WriteBatch(List.of(new VolumeOp.Write(4, 1, Y),
          new VolumeOp.Write(5, 1, X), new VolumeOp.Write(6, 1)));
      assertThat(OpApplier.apply(v, batch, payload, onlyY).getContent().toByteArray())
          .containsExactly(VolumeStateMachine.OK, VolumeStateMachine.OK, VolumeStateMachine.FENCED,
              VolumeStateMachine.OK);

      byte[] got = read(v, 16);
      assertThat(unit(got, 0)).as("refused write").containsOnly(0);
      assertThat(unit(got, 1)).as("permitted write, refused unmap/zeroes after it").containsOnly(1);
      assertThat(unit(got, 2)).containsOnly(1);
      assertThat(unit(got, 3)).as("refused COMPARE AND WRITE").containsOnly(0);
      assertThat(unit(got, 4)).containsOnly(4);
      assertThat(unit(got, 5)).as("refused write of the batch").containsOnly(0);
      assertThat(unit(got, 6)).containsOnly(6);
    }
  }

  /** The guard reads its key once per entry, only for issued ops, and a throwing guard permits. */
  @Test
  void fence_readsTheGuardedKey_andPermitsWhenTheGuardThrows() {
    try (RocksBlockStore store = RocksBlockStore.open(dir)) {
      Volume v = store.create("v", 16, 512);
      v.putMeta("fence", X);
      MetaTransforms.Guard g = new MetaTransforms.Guard("fence",
          (value, issuer) -> value == null || !Arrays.equals(value, issuer));
      assertThat(OpApplier.fence(v, null, "v")).isNull();
      Predicate<byte[]> p = OpApplier.fence(v, g, "v");
      assertThat(p.test(X)).isFalse();
      assertThat(p.test(Y)).isTrue();
      v.putMeta("fence", null);
      assertThat(OpApplier.fence(v, g, "v").test(X)).isTrue();
      MetaTransforms.Guard broken = new MetaTransforms.Guard("fence", (value, issuer) -> {
        throw new IllegalStateException("bug");
      });
      assertThat(OpApplier.fence(v, broken, "v").test(X)).isTrue();
    }
  }

  private static byte status(org.apache.ratis.protocol.Message m) {
    return m.getContent().byteAt(0);
  }

  private static ByteBuffer filled(int n, byte value) {
    byte[] b = new byte[n];
    Arrays.fill(b, value);
    return ByteBuffer.wrap(b);
  }

  private static byte[] read(Volume v, int blocks) {
    ByteBuffer all = ByteBuffer.allocate(blocks * 512);
    v.read(0, blocks, all);
    return all.array();
  }

  private static byte[] unit(byte[] all, int block) {
    return Arrays.copyOfRange(all, block * 512, (block + 1) * 512);
  }
}
