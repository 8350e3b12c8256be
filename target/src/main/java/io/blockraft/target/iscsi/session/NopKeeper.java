package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.pdu.Pdu;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 7143 11.18/11.19 NOP-Out and NOP-In: answers the initiator's pings (echoing the ping data, up
 * to the initiator's MaxRecvDataSegmentLength) and keeps the connection honest: after
 * {@code nopInterval} without input the target sends a NOP-In with a Target Transfer Tag (ITT
 * 0xffffffff, StatSN not advanced); when nothing at all arrives for {@code nopTimeout} after that,
 * the connection is dropped. Any input counts as an answer. Runs on the connection's event loop.
 */
final class NopKeeper {
  private static final Logger log = LoggerFactory.getLogger(NopKeeper.class);

  private final IscsiConnection conn;
  private long lastInputNanos = System.nanoTime();
  private int pingTtt = TargetPdus.RESERVED_TAG;
  private long pingSentNanos;
  private ScheduledFuture<?> timer;

  NopKeeper(IscsiConnection conn) {
    this.conn = conn;
  }

  /** Something arrived from the initiator. */
  void onInput() {
    lastInputNanos = System.nanoTime();
    pingTtt = TargetPdus.RESERVED_TAG;
  }

  /** Answers a NOP-Out with a valid ITT (11.19.2: StatSN advances). */
  void answer(Pdu nop) {
    int len = Math.min(nop.dataSegmentLength(), conn.params().initiatorMaxRecvDataSegmentLength);
    conn.send(TargetPdus.nopIn(nop.itt(), TargetPdus.RESERVED_TAG, nop.lun(),
        len == 0 ? null : nop.data().retainedSlice(nop.data().readerIndex(), len)),
        IscsiConnection.StatSn.ADVANCE);
  }

  void start() {
    schedule(conn.settings().nopInterval().toNanos());
  }

  void stop() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void schedule(long delayNanos) {
    if (conn.settings().nopInterval().isZero() || conn.settings().nopInterval().isNegative()
        || conn.isClosed()) {
      return;
    }
    timer = conn.ctx().executor().schedule(this::tick, Math.max(delayNanos, 1_000_000L),
        TimeUnit.NANOSECONDS);
  }

  private void tick() {
    if (!conn.isFullFeature()) {
      return;
    }
    long now = System.nanoTime();
    long interval = conn.settings().nopInterval().toNanos();
    long timeout = conn.settings().nopTimeout().toNanos();
    if (pingTtt != TargetPdus.RESERVED_TAG) {
      long waited = now - pingSentNanos;
      if (waited >= timeout) {
        log.info("{}: no answer to NOP-In in {}, closing", conn.ctx().channel().remoteAddress(),
            conn.settings().nopTimeout());
        conn.close();
        return;
      }
      schedule(timeout - waited);
      return;
    }
    long idle = now - lastInputNanos;
    if (idle >= interval) {
      pingTtt = conn.nextTargetTransferTag();
      pingSentNanos = now;
      conn.send(TargetPdus.nopIn(TargetPdus.RESERVED_TAG, pingTtt, 0, null),
          IscsiConnection.StatSn.CURRENT);
      schedule(timeout);
    } else {
      schedule(interval - idle);
    }
  }
}
