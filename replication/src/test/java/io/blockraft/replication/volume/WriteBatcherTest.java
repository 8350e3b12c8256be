package io.blockraft.replication.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** {@link WriteBatcher} against a sender whose entries the test answers by hand. */
class WriteBatcherTest {

  /** An entry handed to the sender, answered when the test says so. */
  private record Sent(VolumeOp op, ByteString payload, CompletableFuture<ByteBuffer> reply) {
    List<VolumeOp.Write> writes() {
      return op instanceof VolumeOp.WriteBatch b ? b.writes() : List.of((VolumeOp.Write) op);
    }

    void answerAll(byte status) {
      int n = writes().size();
      ByteBuffer r = ByteBuffer.allocate(n == 1 ? 1 : 1 + n).put(VolumeStateMachine.OK);
      for (int i = 0; n > 1 && i < n; i++) {
        r.put(status);
      }
      if (n == 1) {
        r.put(0, status);
      }
      reply.complete(r.flip());
    }
  }

  private final List<Sent> sent = new ArrayList<>();

  private WriteBatcher batcher(int inFlight, int maxBytes) {
    return new WriteBatcher((op, payload) -> {
      CompletableFuture<ByteBuffer> f = new CompletableFuture<>();
      sent.add(new Sent(op, payload, f));
      return f;
    }, inFlight, maxBytes);
  }

  private static ByteString data(int len, int fill) {
    byte[] b = new byte[len];
    java.util.Arrays.fill(b, (byte) fill);
    return ByteString.copyFrom(b);
  }

  /**
   * With one slot: a write that goes alone, two that wait behind it; answers the first, so the
   * two go as one batch (sent.get(1)). Returns the two waiting writes' futures.
   */
  private List<CompletableFuture<Byte>> twoBatchedBehindOne(WriteBatcher b) {
    b.write(new VolumeOp.Write(0, 1), data(512, 0));
    CompletableFuture<Byte> first = b.write(new VolumeOp.Write(1, 1), data(512, 1));
    CompletableFuture<Byte> second = b.write(new VolumeOp.Write(2, 1), data(512, 2));
    sent.get(0).answerAll(VolumeStateMachine.OK);
    assertThat(sent.get(1).writes()).hasSize(2);
    return List.of(first, second);
  }

  @Test
  void withSlotsFree_eachWriteGoesAtOnceAlone() {
    WriteBatcher b = batcher(2, 1 << 20);
    CompletableFuture<Byte> w1 = b.write(new VolumeOp.Write(1, 1), data(512, 1));
    CompletableFuture<Byte> w2 = b.write(new VolumeOp.Write(2, 1), data(512, 2));
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).op()).isEqualTo(new VolumeOp.Write(1, 1));
    assertThat(sent.get(1).op()).isEqualTo(new VolumeOp.Write(2, 1));
    sent.get(1).answerAll(VolumeStateMachine.OK);
    assertThat(w2).isCompletedWithValue(VolumeStateMachine.OK);
    assertThat(w1).isNotDone();
  }

  @Test
  void writesWaitingForASlot_goTogetherInArrivalOrder_eachWithItsOwnStatus() {
    WriteBatcher b = batcher(1, 1 << 20);
    b.write(new VolumeOp.Write(0, 1), data(512, 9));
    List<CompletableFuture<Byte>> waiting = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      waiting.add(b.write(new VolumeOp.Write(i * 10, 1), data(512, i)));
    }
    assertThat(sent).hasSize(1);
    assertThat(b.waiting()).isEqualTo(3);

    sent.get(0).answerAll(VolumeStateMachine.OK);
    assertThat(sent).hasSize(2);
    Sent batch = sent.get(1);
    assertThat(batch.writes()).containsExactly(new VolumeOp.Write(10, 1), new VolumeOp.Write(20, 1),
        new VolumeOp.Write(30, 1));
    assertThat(batch.payload()).isEqualTo(data(512, 1).concat(data(512, 2)).concat(data(512, 3)));
    assertThat(b.waiting()).isZero();

    batch.reply().complete(ByteBuffer.wrap(new byte[] {VolumeStateMachine.OK, VolumeStateMachine.OK,
        VolumeStateMachine.OUT_OF_RANGE, VolumeStateMachine.OK}));
    assertThat(waiting.get(0)).isCompletedWithValue(VolumeStateMachine.OK);
    assertThat(waiting.get(1)).isCompletedWithValue(VolumeStateMachine.OUT_OF_RANGE);
    assertThat(waiting.get(2)).isCompletedWithValue(VolumeStateMachine.OK);
    // the slot is free again: the next write goes at once
    b.write(new VolumeOp.Write(99, 1), data(512, 0));
    assertThat(sent).hasSize(3);
  }

  @Test
  void aBatchRejectedWhole_orAnsweredWithoutPerWriteStatuses_reportsNoWriteDone() {
    WriteBatcher b = batcher(1, 1 << 20);
    List<CompletableFuture<Byte>> xy = twoBatchedBehindOne(b);
    CompletableFuture<Byte> x = xy.get(0);
    CompletableFuture<Byte> y = xy.get(1);
    sent.get(1).reply().complete(ByteBuffer.wrap(new byte[] {VolumeStateMachine.INVALID}));
    assertThat(x).isCompletedWithValue(VolumeStateMachine.INVALID);
    assertThat(y).isCompletedWithValue(VolumeStateMachine.INVALID);

    CompletableFuture<Byte> z1 = b.write(new VolumeOp.Write(3, 1), data(512, 3));
    CompletableFuture<Byte> z2 = b.write(new VolumeOp.Write(4, 1), data(512, 4));
    CompletableFuture<Byte> z3 = b.write(new VolumeOp.Write(5, 1), data(512, 5));
    sent.get(2).answerAll(VolumeStateMachine.OK); // z1 went alone
    assertThat(z1).isCompletedWithValue(VolumeStateMachine.OK);
    sent.get(3).reply().complete(ByteBuffer.wrap(new byte[] {VolumeStateMachine.OK})); // too short
    assertThat(z2).isCompletedWithValue(VolumeStateMachine.INVALID);
    assertThat(z3).isCompletedWithValue(VolumeStateMachine.INVALID);
  }

  @Test
  void aBatchStopsAtTheByteLimit_theRestGoesNext() {
    WriteBatcher b = batcher(1, 4096);
    b.write(new VolumeOp.Write(0, 1), data(4096, 0));
    for (int i = 1; i <= 5; i++) {
      b.write(new VolumeOp.Write(i, 3), data(1536, i)); // two fit in 4096, a third does not
    }
    sent.get(0).answerAll(VolumeStateMachine.OK);
    assertThat(sent.get(1).writes()).extracting(VolumeOp.Write::lba).containsExactly(1L, 2L);
    sent.get(1).answerAll(VolumeStateMachine.OK);
    assertThat(sent.get(2).writes()).extracting(VolumeOp.Write::lba).containsExactly(3L, 4L);
    sent.get(2).answerAll(VolumeStateMachine.OK);
    assertThat(sent.get(3).op()).isEqualTo(new VolumeOp.Write(5, 3));
  }

  @Test
  void aFailedEntry_failsEveryWriteItCarried_andTheNextBatchStillGoes() {
    WriteBatcher b = batcher(1, 1 << 20);
    List<CompletableFuture<Byte>> ac = twoBatchedBehindOne(b);
    CompletableFuture<Byte> a = ac.get(0);
    CompletableFuture<Byte> c = ac.get(1);
    CompletableFuture<Byte> later = b.write(new VolumeOp.Write(3, 1), data(512, 3));
    sent.get(1).reply().completeExceptionally(new IllegalStateException("no quorum"));
    assertThat(a).isCompletedExceptionally();
    assertThat(c).isCompletedExceptionally();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).op()).isEqualTo(new VolumeOp.Write(3, 1));
    sent.get(2).answerAll(VolumeStateMachine.OK);
    assertThat(later).isCompletedWithValue(VolumeStateMachine.OK);
  }

  /** A sender that fails at once, many writes queued: all fail, nothing recurses or hangs. */
  @Test
  void aSenderThatFailsAtOnce_failsEachWrite_withoutHoldingASlot() {
    List<VolumeOp> ops = new ArrayList<>();
    CompletableFuture<ByteBuffer> gate = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    WriteBatcher b = new WriteBatcher((op, payload) -> {
      ops.add(op);
      return calls.incrementAndGet() == 1 ? gate : CompletableFuture.failedFuture(new IllegalStateException("down"));
    }, 1, 1024);
    b.write(new VolumeOp.Write(0, 1), data(512, 0));
    List<CompletableFuture<Byte>> queued = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      queued.add(b.write(new VolumeOp.Write(i, 1), data(512, 1)));
    }
    gate.complete(ByteBuffer.wrap(new byte[] {VolumeStateMachine.OK}));
    for (CompletableFuture<Byte> f : queued) {
      assertThat(f).isCompletedExceptionally();
    }
    assertThat(ops).hasSize(1 + 5_000); // two 512-byte writes per 1024-byte entry
    ops.clear();
    CompletableFuture<Byte> next = b.write(new VolumeOp.Write(1, 1), data(512, 1));
    assertThat(ops).hasSize(1); // the slot was given back: it went at once (and failed)
    assertThatThrownBy(next::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("down");
  }
}
