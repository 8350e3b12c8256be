package io.blockraft.replication.volume;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Group commit for WRITEs: writes that arrive while {@link #maxInFlight} log entries of this
 * volume are already on their way wait here, and the next entry to go carries all of them as one
 * {@link VolumeOp.WriteBatch}. Every log entry costs the same fixed work on every replica (an
 * appendEntries slot, a log record, an apply step, an applied-index update, a reply), so at queue
 * depth 32 one entry per write left the cluster CPU-bound at a fraction of tgtd's rate; batched,
 * that work is shared. A write that finds fewer than {@code maxInFlight} entries in flight goes at
 * once, alone, so queue depth 1 waits for nothing.
 *
 * <p>Why this is allowed: commands in flight together are unordered in SCSI (SAM-5 5.8, SIMPLE
 * task attribute); a write is acknowledged only after its entry is committed and applied, exactly
 * as before, so anything that was acknowledged before another command started is still ordered
 * before it. Writes leave this queue in arrival order, and a batch applies its writes in that
 * order. Other mutating commands (COMPARE AND WRITE, UNMAP, reservations) do not wait here.
 *
 * <p>A batch holds at most {@link VolumeOp#MAX_BATCH_WRITES} writes and {@link
 * RaftVolume#MAX_ENTRY_PAYLOAD} bytes; a failed entry fails every write it carried.
 */
final class WriteBatcher {

  /** Sends one entry (a WRITE or a WRITE_BATCH) and completes with its reply (status bytes). */
  @FunctionalInterface
  interface Sender {
    CompletableFuture<java.nio.ByteBuffer> send(VolumeOp op, ByteString payload);
  }

  /** One write waiting for, or travelling in, an entry; completes with its status byte. */
  private record Pending(VolumeOp.Write write, ByteString data, CompletableFuture<Byte> done) {}

  private final Sender sender;
  private final int maxInFlight;
  private final int maxBytes;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  /** Entries sent and not yet answered; guarded by this. */
  private int inFlight;

  /**
   * @param maxInFlight entries of this volume in flight before writes start to wait and batch
   * @param maxBytes most payload bytes one entry carries
   */
  WriteBatcher(Sender sender, int maxInFlight, int maxBytes) {
    if (maxInFlight < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("maxInFlight and maxBytes must be positive");
    }
    this.sender = sender;
    this.maxInFlight = maxInFlight;
    this.maxBytes = maxBytes;
  }

  /**
   * Queues one write of {@code write.count()} blocks whose data is {@code data} (at most {@code
   * maxBytes}); completes with the write's status byte once its entry is answered.
   */
  CompletableFuture<Byte> write(VolumeOp.Write write, ByteString data) {
    if (data.size() > maxBytes) {
      throw new IllegalArgumentException("a write of " + data.size() + " bytes exceeds one entry");
    }
    Pending p = new Pending(write, data, new CompletableFuture<>());
    List<Pending> batch = null;
    synchronized (this) {
      queue.add(p);
      if (inFlight < maxInFlight) {
        inFlight++;
        batch = takeBatch();
      }
    }
    if (batch != null) {
      send(batch);
    }
    return p.done();
  }

  /** Writes waiting now (for tests and metrics). */
  synchronized int waiting() {
    return queue.size();
  }

  /** Removes the next batch from the queue, oldest first; caller holds the lock. */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < VolumeOp.MAX_BATCH_WRITES
        && bytes + queue.peekFirst().data().size() <= maxBytes) {
      Pending p = queue.pollFirst();
      bytes += p.data().size();
      batch.add(p);
    }
    return batch;
  }

  private void send(List<Pending> batch) {
    while (batch != null) {
      CompletableFuture<java.nio.ByteBuffer> reply;
      try {
        reply = batch.size() == 1 ? sender.send(batch.get(0).write(), batch.get(0).data())
            : sender.send(new VolumeOp.WriteBatch(batch.stream().map(Pending::write).toList()),
                concat(batch));
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      List<Pending> sent = batch;
      if (!reply.isDone()) {
        reply.whenComplete((r, e) -> {
          answer(sent, r, e);
          List<Pending> next = nextOrRelease();
          if (next != null) {
            send(next);
          }
        });
        return;
      }
      // answered at once (typically a failure): go on here instead of recursing
      if (reply.isCompletedExceptionally()) {
        answer(sent, null, failure(reply));
      } else {
        answer(sent, reply.join(), null);
      }
      batch = nextOrRelease();
    }
  }

  /** The next batch to send on the slot just freed, or null (and the slot given back). */
  private synchronized List<Pending> nextOrRelease() {
    if (queue.isEmpty()) {
      inFlight--;
      return null;
    }
    return takeBatch();
  }

  private static ByteString concat(List<Pending> batch) {
    ByteString out = ByteString.EMPTY;
    for (Pending p : batch) {
      out = out.concat(p.data());
    }
    return out;
  }

  private static void answer(List<Pending> batch, java.nio.ByteBuffer reply, Throwable error) {
    if (error != null) {
      batch.forEach(p -> p.done().completeExceptionally(error));
      return;
    }
    if (batch.size() == 1) {
      batch.get(0).done().complete(reply.get(0));
      return;
    }
    byte overall = reply.get(0);
    boolean perWrite = overall == VolumeStateMachine.OK && reply.limit() >= 1 + batch.size();
    for (int i = 0; i < batch.size(); i++) {
      // a batch rejected as a whole carries no per-write statuses; an OK without them is not
      // an answer we understand, and no write is reported done on it
      byte s = perWrite ? reply.get(1 + i)
          : overall != VolumeStateMachine.OK ? overall : VolumeStateMachine.INVALID;
      batch.get(i).done().complete(s);
    }
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.join();
      return new IllegalStateException("not failed");
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause() == null ? e : e.getCause();
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }
}
