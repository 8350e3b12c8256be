package io.blockraft.replication.volume;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Shares linearizable-read rounds between concurrent reads. A read may only use a round that
 * started after the read arrived (otherwise it could miss a write acknowledged just before it),
 * so at most one round is in flight and every read arriving meanwhile joins the next one, which
 * starts as soon as the current one ends. Under load that is one Raft read round for a whole
 * batch of reads instead of one per read.
 */
final class ReadBarrier {

  private final Supplier<CompletableFuture<Void>> round;
  private final Executor executor;
  private boolean inFlight;
  private CompletableFuture<Void> next;

  /**
   * @param executor where a finished round's continuation runs (waking its reads, starting the
   *     next round): never the thread that completed the round, which is one of Ratis's (its apply
   *     thread, holding the read queue's lock), where starting the next round would deadlock
   */
  ReadBarrier(Supplier<CompletableFuture<Void>> round, Executor executor) {
    this.round = round;
    this.executor = executor;
  }

  /** Completes when a round that began after this call has completed. */
  CompletableFuture<Void> next() {
    CompletableFuture<Void> mine;
    boolean start;
    synchronized (this) {
      if (next == null) {
        next = new CompletableFuture<>();
      }
      mine = next;
      start = !inFlight;
      if (start) {
        inFlight = true;
        next = null;
      }
    }
    if (start) {
      launch(mine);
    }
    return mine;
  }

  private void launch(CompletableFuture<Void> waiting) {
    CompletableFuture<Void> r;
    try {
      r = round.get();
    } catch (RuntimeException e) {
      r = CompletableFuture.failedFuture(e);
    }
    r.whenCompleteAsync((v, e) -> {
      if (e != null) {
        waiting.completeExceptionally(e);
      } else {
        waiting.complete(null);
      }
      CompletableFuture<Void> again;
      synchronized (this) {
        again = next;
        next = null;
        inFlight = again != null;
      }
      if (again != null) {
        launch(again);
      }
    }, executor);
  }
}
