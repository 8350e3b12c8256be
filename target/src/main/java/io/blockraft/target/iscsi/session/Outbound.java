package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.pdu.Pdu;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.util.function.IntSupplier;

/**
 * What one connection sends (RFC 7143 4.2.2): every PDU is stamped with StatSN (advanced for
 * status-bearing PDUs, 4.2.2.2), ExpCmdSN and MaxCmdSN, and written at once; writes are flushed
 * once at the end of the read batch that caused them, or once per event-loop task, not per PDU.
 *
 * <p>MaxCmdSN reopens the command window as commands finish, except while the node's
 * {@link BufferBudget} is saturated: then it holds still, and once the budget is relieved a
 * NOP-In (11.19, ITT and TTT 0xffffffff: no reply wanted) carries the reopened window, since the
 * initiator may have nothing in flight to learn it from.
 *
 * <p>Confined to the connection's event loop.
 */
final class Outbound {
  private final IscsiConnection conn;
  private final BufferBudget budget;
  private ChannelHandlerContext ctx;
  private CmdSequencer<?> sequencer;
  private IntSupplier executing = () -> 0;
  private int statSn;
  private boolean inRead;
  private boolean needFlush;
  private boolean flushScheduled;
  private boolean windowHeld;

  Outbound(IscsiConnection conn, BufferBudget budget) {
    this.conn = conn;
    this.budget = budget;
  }

  void attach(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Full Feature Phase: from now on PDUs carry the window of {@code sequencer}. */
  void startNumbering(CmdSequencer<?> sequencer, IntSupplier executing, int nextStatSn) {
    this.sequencer = sequencer;
    this.executing = executing;
    this.statSn = nextStatSn;
  }

  /** A batch of reads from the socket begins: writes wait for {@link #readComplete}. */
  void readStarted() {
    inRead = true;
  }

  void readComplete() {
    inRead = false;
    if (needFlush) {
      needFlush = false;
      ctx.flush();
    }
  }

  /** Stamps and writes; flushed at the end of the current batch. */
  void send(Pdu pdu, IscsiConnection.StatSn mode) {
    if (conn.isClosed()) {
      pdu.release();
      return;
    }
    ctx.write(stamp(pdu, mode), ctx.voidPromise());
    needFlush = true;
    if (!inRead && !flushScheduled) {
      flushScheduled = true;
      ctx.executor().execute(() -> {
        flushScheduled = false;
        if (needFlush && !inRead) {
          needFlush = false;
          ctx.flush();
        }
      });
    }
  }

  ChannelFuture sendAndFlush(Pdu pdu, IscsiConnection.StatSn mode) {
    needFlush = false;
    return ctx.writeAndFlush(stamp(pdu, mode));
  }

  private Pdu stamp(Pdu pdu, IscsiConnection.StatSn mode) {
    switch (mode) {
      case ADVANCE -> pdu.put32(24, statSn++);
      case CURRENT -> pdu.put32(24, statSn);
      default -> pdu.put32(24, 0);
    }
    if (sequencer != null) {
      pdu.put32(28, sequencer.expCmdSn());
      pdu.put32(32, maxCmdSn());
    }
    return pdu;
  }

  private int maxCmdSn() {
    if (!budget.saturated()) {
      return sequencer.updateMax(executing.getAsInt());
    }
    if (!windowHeld) {
      windowHeld = true;
      budget.whenRelieved(() -> conn.runOnLoop(this::windowRelieved));
    }
    return sequencer.maxCmdSn();
  }

  private void windowRelieved() {
    windowHeld = false;
    if (!conn.isFullFeature() || sequencer == null) {
      return;
    }
    int before = sequencer.maxCmdSn();
    if (maxCmdSn() != before) {
      send(TargetPdus.nopIn(TargetPdus.RESERVED_TAG, TargetPdus.RESERVED_TAG, 0, null),
          IscsiConnection.StatSn.CURRENT);
    }
  }
}
