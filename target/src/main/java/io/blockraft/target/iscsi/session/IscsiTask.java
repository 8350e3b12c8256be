package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskIo;
import io.blockraft.target.scsi.dispatch.TaskAbortedException;
import io.blockraft.target.scsi.dispatch.TaskSetFullException;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One SCSI task of a connection: the transport side of SAM-5 Execute Command.
 *
 * <p>Write data (RFC 7143 4.2.5.2 data transfer, 11.7.2 Data-Out, 11.8 R2T) arrives as immediate
 * data in the command PDU, an unsolicited Data-Out burst (InitialR2T=No, ending with F=1, at most
 * FirstBurstLength including the immediate data), and solicited bursts: one R2T per
 * MaxBurstLength, at most MaxOutstandingR2T outstanding. Everything is gathered into one pooled
 * direct buffer of exactly the length the SCSI layer asked for; data received before it asked is
 * kept as retained slices (bounded by FirstBurstLength). Every Data-Out is checked: target transfer
 * tag, DataSN (0, 1, ... per sequence), BufferOffset (in order, within the burst) and length; a bad
 * one is answered with Reject (protocol error) and fails the task (ERL 0).
 *
 * <p>Completion: when the SCSI layer completes while unsolicited data is still arriving, the
 * response waits until the burst ends (RFC 7143 11.17.1). Aborted tasks end without response,
 * or with TASK ABORTED when aborted on behalf of another nexus.
 *
 * <p>All state is confined to the connection's event loop; the {@link TaskIo} methods may be
 * called from any thread and hop there.
 */
final class IscsiTask implements TaskIo {
  private final IscsiConnection conn;
  final ScsiTask scsi;
  final int itt;
  final int cmdSn;
  final long lun;
  final int edtl;
  final boolean read;
  final boolean write;
  private final byte[] bhs;

  // unsolicited data (immediate + unsolicited Data-Out)
  private final int unsolicitedLimit;
  private int unsolicitedReceived;
  private int unsolicitedDataSn;
  private boolean unsolicitedDone;
  private final List<ByteBuf> early = new ArrayList<>(2);
  /** Bytes of the node's BufferBudget this task holds (data buffered, wanted or built). */
  private final AtomicLong budgeted = new AtomicLong();
  private BufferBudget.Ticket budgetWait;

  // data the SCSI layer asked for
  private ByteBuf buffer;
  private int wanted;
  private CompletableFuture<ByteBuf> dataFuture;
  private boolean r2tStarted;
  private int nextR2tOffset;
  private int r2tSn;
  private final List<R2t> outstanding = new ArrayList<>(2);
  private SenseReason failure;

  // lifecycle
  private boolean delivered;
  private boolean completed;
  private boolean aborted;
  private volatile boolean abortedFlag;
  private boolean reportAborted;
  private boolean finished;
  private ScsiResponse deferred;
  final CompletableFuture<Void> done = new CompletableFuture<>();

  /** One outstanding R2T (RFC 7143 11.8): a solicited Data-Out sequence. */
  private static final class R2t {
    final int ttt;
    final int offset;
    final int length;
    int received;
    int nextDataSn;

    R2t(int ttt, int offset, int length) {
      this.ttt = ttt;
      this.offset = offset;
      this.length = length;
    }
  }

  /**
   * @param immediateData the command PDU's data segment (immediate data; retained here when non-empty)
   * @param moreUnsolicited the command's F bit was 0: unsolicited Data-Out PDUs follow
   * @param bhs a copy of the command's BHS
   */
  IscsiTask(IscsiConnection conn, ScsiTask scsi, int cmdSn, ByteBuf immediateData,
      boolean moreUnsolicited, byte[] bhs) {
    this.conn = conn;
    this.bhs = bhs;
    this.scsi = scsi;
    this.itt = scsi.tag();
    this.cmdSn = cmdSn;
    this.lun = scsi.lun();
    this.edtl = scsi.expectedDataTransferLength();
    this.read = scsi.read();
    this.write = scsi.write();
    this.unsolicitedLimit = Math.min(conn.params().firstBurstLength, edtl);
    int imm = immediateData.readableBytes();
    if (imm > 0) {
      early.add(immediateData.retainedSlice());
      unsolicitedReceived = imm;
      charge(imm);
    }
    this.unsolicitedDone = !moreUnsolicited;
  }

  /** The command's BHS (for a Reject). */
  byte[] bhs() {
    return bhs;
  }

  boolean isFinished() {
    return finished;
  }

  boolean isDelivered() {
    return delivered;
  }

  boolean isAbortedLocal() {
    return aborted;
  }

  /** Marks the task as handed to the SCSI layer (CmdSN order reached it). */
  void markDelivered() {
    delivered = true;
  }

  // ---------------------------------------------------------------- TaskIo (any thread)

  @Override
  public CompletableFuture<ByteBuf> dataOut(int length) {
    CompletableFuture<ByteBuf> f = new CompletableFuture<>();
    if (!conn.runOnLoop(() -> startDataOut(length, f))) {
      f.completeExceptionally(new TaskAbortedException());
    }
    return f;
  }

  @Override
  public void complete(ScsiResponse response) {
    if (!conn.runOnLoop(() -> onComplete(response))) {
      release(response);
      returnBudgeted();
    }
  }

  @Override
  public boolean isAborted() {
    return abortedFlag;
  }

  /** Data-In and work buffers come out of the node's budget; none left: TASK SET FULL. */
  @Override
  public ByteBuf allocData(int capacity) {
    BufferBudget budget = conn.budget();
    if (capacity > budget.capacity() || !budget.tryAcquire(capacity)) {
      throw new TaskSetFullException("buffer budget exhausted (" + budget.used() + " of "
          + budget.capacity() + " bytes in use)");
    }
    budgeted.addAndGet(capacity);
    try {
      return PooledByteBufAllocator.DEFAULT.directBuffer(capacity, capacity);
    } catch (OutOfMemoryError e) {
      throw new TaskSetFullException("direct memory exhausted: " + e.getMessage());
    }
  }

  /** Counts data that is already in memory (immediate and unsolicited data). */
  private void charge(int bytes) {
    conn.budget().force(bytes);
    budgeted.addAndGet(bytes);
  }

  // ---------------------------------------------------------------- Data-Out (event loop)

  private void startDataOut(int length, CompletableFuture<ByteBuf> f) {
    if (dataFuture != null || completed) {
      f.completeExceptionally(new IllegalStateException("Data-Out requested twice"));
      return;
    }
    if (aborted) {
      f.completeExceptionally(new TaskAbortedException());
      return;
    }
    if (!write || length <= 0 || length > edtl) {
      // the initiator offered less than the command needs (EDTL < transfer length): CommandContext.dataOut
      f.completeExceptionally(new ScsiException(SenseReason.INVALID_FIELD_IN_CDB));
      return;
    }
    if (failure != null) {
      f.completeExceptionally(new ScsiException(failure));
      return;
    }
    wanted = length;
    dataFuture = f;
    long more = Math.min(length - budgeted.get(), conn.budget().capacity());
    if (more <= 0) {
      gather();
      return;
    }
    // R2Ts wait for the budget (BufferBudget: R2T is the flow control); unsolicited data that
    // keeps arriving meanwhile is kept in `early`
    budgetWait = conn.budget().acquire(more, () -> {
      if (!conn.runOnLoop(() -> granted(more))) {
        conn.budget().release(more);
      }
    });
  }

  private void granted(long bytes) {
    budgetWait = null;
    if (finished || dataFuture == null || dataFuture.isDone()) {
      conn.budget().release(bytes); // the task ended while it waited
      return;
    }
    budgeted.addAndGet(bytes);
    gather();
  }

  /** Allocates the data buffer, moves early data into it and starts soliciting the rest. */
  private void gather() {
    int length = wanted;
    try {
      buffer = PooledByteBufAllocator.DEFAULT.directBuffer(length, length);
    } catch (OutOfMemoryError e) {
      dataFuture.completeExceptionally(new TaskSetFullException("direct memory exhausted"));
      return;
    }
    int off = 0;
    for (ByteBuf b : early) {
      int n = Math.min(b.readableBytes(), length - off);
      if (n > 0) {
        buffer.setBytes(off, b, b.readerIndex(), n);
      }
      off += b.readableBytes();
      b.release();
    }
    early.clear();
    pump();
  }

  /** Issues R2Ts while allowed; hands the buffer over once every wanted byte is in. */
  private void pump() {
    if (dataFuture == null || dataFuture.isDone() || !unsolicitedDone) {
      return;
    }
    if (!r2tStarted) {
      r2tStarted = true;
      nextR2tOffset = unsolicitedReceived;
    }
    if (outstanding.isEmpty() && nextR2tOffset >= wanted) {
      ByteBuf b = buffer;
      buffer = null;
      b.writerIndex(wanted);
      dataFuture.complete(b);
      return;
    }
    int maxR2t = Math.max(1, conn.params().maxOutstandingR2T);
    int burst = Math.max(512, conn.params().maxBurstLength);
    while (outstanding.size() < maxR2t && nextR2tOffset < wanted) {
      int len = Math.min(burst, wanted - nextR2tOffset);
      R2t r = new R2t(conn.nextTargetTransferTag(), nextR2tOffset, len);
      outstanding.add(r);
      conn.send(TargetPdus.r2t(itt, lun, r.ttt, r2tSn++, r.offset, r.length),
          IscsiConnection.StatSn.CURRENT);
      nextR2tOffset += len;
    }
  }

  /** A Data-Out PDU for this task (the caller releases the PDU). */
  void onDataOut(Pdu p) {
    if (failure != null || completed && deferred == null || aborted) {
      return; // swallowed: the task already failed or answered
    }
    int ttt = p.i32(20);
    int dataSn = p.i32(36);
    int offset = p.i32(40);
    int len = p.dataSegmentLength();
    if (ttt == TargetPdus.RESERVED_TAG) {
      if (unsolicitedDone) {
        protocolError(p);
        return;
      }
      if (dataSn != unsolicitedDataSn || offset != unsolicitedReceived
          || (long) offset + len > unsolicitedLimit) {
        protocolError(p);
        return;
      }
      store(offset, p.data(), len);
      unsolicitedReceived += len;
      unsolicitedDataSn++;
      if (p.finalBit()) {
        unsolicitedDone = true;
        pump();
        if (deferred != null) {
          ScsiResponse r = deferred;
          deferred = null;
          respond(r);
        }
      }
      return;
    }
    R2t r = null;
    for (R2t o : outstanding) {
      if (o.ttt == ttt) {
        r = o;
        break;
      }
    }
    if (r == null || dataSn != r.nextDataSn || offset != r.offset + r.received
        || r.received + len > r.length || p.finalBit() && r.received + len < r.length) {
      protocolError(p);
      return;
    }
    store(offset, p.data(), len);
    r.received += len;
    r.nextDataSn++;
    if (r.received == r.length) {
      outstanding.remove(r);
      pump();
    }
  }

  private void store(int offset, ByteBuf data, int len) {
    if (len == 0) {
      return;
    }
    if (buffer != null) {
      int n = Math.min(len, wanted - offset);
      if (n > 0) {
        buffer.setBytes(offset, data, data.readerIndex(), n);
      }
    } else if (dataFuture == null || !dataFuture.isDone()) {
      early.add(data.retainedSlice(data.readerIndex(), len));
      charge(len);
    }
  }

  private void protocolError(Pdu p) {
    conn.reject(TargetPdus.REJECT_PROTOCOL_ERROR, p.bhs());
    fail(SenseReason.DATA_PHASE_ERROR);
  }

  /**
   * Ends the data phase in error (ERL 0 cannot recover it): the SCSI layer's data request fails
   * with CHECK CONDITION; further Data-Out for the task is swallowed.
   */
  void fail(SenseReason reason) {
    if (failure != null || finished) {
      return;
    }
    failure = reason;
    unsolicitedDone = true;
    outstanding.clear();
    releaseEarly();
    if (dataFuture != null && !dataFuture.isDone()) {
      releaseBuffer();
      dataFuture.completeExceptionally(new ScsiException(reason));
    }
    if (deferred != null) {
      ScsiResponse r = deferred;
      deferred = null;
      respond(r);
    }
  }

  // ---------------------------------------------------------------- completion (event loop)

  private void onComplete(ScsiResponse response) {
    if (completed) {
      release(response);
      return;
    }
    completed = true;
    respond(response);
  }

  private void respond(ScsiResponse response) {
    if (aborted) {
      release(response);
      if (reportAborted && !conn.isClosed()) {
        ResponseWriter.write(conn, this, ScsiResponse.status(ScsiStatus.TASK_ABORTED), r2tSn);
      }
      finish();
      return;
    }
    if (!unsolicitedDone) {
      deferred = response; // swallow the rest of the unsolicited burst first
      return;
    }
    outstanding.clear();
    if (dataFuture != null && !dataFuture.isDone()) {
      releaseBuffer();
      dataFuture.completeExceptionally(new TaskAbortedException());
    }
    finish(() -> ResponseWriter.write(conn, this, response, r2tSn));
  }

  /**
   * Aborts the task (task management, logout, connection loss). Runs on the event loop.
   *
   * @param reportTaskAborted end with TASK ABORTED status instead of silence
   */
  CompletableFuture<Void> abort(boolean reportTaskAborted) {
    if (finished || aborted) {
      return done;
    }
    aborted = true;
    abortedFlag = true;
    reportAborted = reportTaskAborted;
    outstanding.clear();
    releaseEarly();
    conn.forget(this);
    if (dataFuture != null && !dataFuture.isDone()) {
      releaseBuffer();
      dataFuture.completeExceptionally(new TaskAbortedException());
    }
    if (!delivered) {
      if (reportTaskAborted && !conn.isClosed()) {
        ResponseWriter.write(conn, this, ScsiResponse.status(ScsiStatus.TASK_ABORTED), r2tSn);
      }
      finish(); // the SCSI layer never saw it
    } else if (deferred != null) {
      ScsiResponse r = deferred;
      deferred = null;
      respond(r);
    }
    return done;
  }

  private void finish() {
    finish(null);
  }

  /** Ends the task; {@code send} (if any) runs after it left the connection's accounting. */
  private void finish(Runnable send) {
    if (finished) {
      return;
    }
    finished = true;
    releaseEarly();
    releaseBuffer();
    releaseBudget();
    conn.taskFinished(this); // before the response goes out, so its MaxCmdSN counts the task done
    if (send != null) {
      send.run();
    }
    done.complete(null);
  }

  /** Returns the task's budget (its buffers are released or handed on to be sent). */
  private void releaseBudget() {
    if (budgetWait != null) {
      budgetWait.cancel(); // not yet granted: withdrawn; granted meanwhile: granted() returns it
      budgetWait = null;
    }
    returnBudgeted();
  }

  private void returnBudgeted() {
    long b = budgeted.getAndSet(0);
    if (b > 0) {
      conn.budget().release(b);
    }
  }

  private void releaseEarly() {
    for (ByteBuf b : early) {
      b.release();
    }
    early.clear();
  }

  private void releaseBuffer() {
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }

  private static void release(ScsiResponse r) {
    if (r != null && r.dataIn() != null && r.dataIn().refCnt() > 0) {
      r.dataIn().release();
    }
  }

  @Override
  public String toString() {
    return "IscsiTask[itt=0x" + Integer.toHexString(itt) + " cmdSn=" + cmdSn + " op=0x"
        + Integer.toHexString(scsi.opcode()) + "]";
  }
}
