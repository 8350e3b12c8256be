package io.blockraft.target.scsi.dispatch;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskIo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.CompletableFuture;

/** What a handler sees of one command: the task, its LU (null for LU-less commands), and its I/O. */
public final class CommandContext {
  private final ScsiTask task;
  private final LogicalUnit lu;
  private final ScsiTarget target;
  private final TaskIo io;
  private final CommandSpec spec;

  public CommandContext(ScsiTask task, LogicalUnit lu, ScsiTarget target, TaskIo io, CommandSpec spec) {
    this.task = task;
    this.lu = lu;
    this.target = target;
    this.io = io;
    this.spec = spec;
  }

  public ScsiTask task() {
    return task;
  }

  public byte[] cdb() {
    return task.cdb();
  }

  public ItNexus nexus() {
    return task.nexus();
  }

  /** The addressed LU's volume as this command's nexus changes it ({@link LogicalUnit#volumeFor}). */
  public io.blockraft.replication.ReplicatedVolume volume() {
    return lu.volumeFor(task.nexus());
  }

  /** The addressed logical unit; null only for commands registered with {@code noLu()} on an unknown LUN. */
  public LogicalUnit lu() {
    return lu;
  }

  public ScsiTarget target() {
    return target;
  }

  public CommandSpec spec() {
    return spec;
  }

  public TaskIo io() {
    return io;
  }

  /**
   * A pooled direct buffer (released by the transport once sent, or by the caller on failure),
   * counted against the node's buffer budget: throws {@link TaskSetFullException} when the node
   * is short of buffer memory.
   */
  public ByteBuf alloc(int capacity) {
    return io.allocData(capacity);
  }

  /** A pooled heap buffer for small parameter data. */
  public ByteBuf allocHeap(int capacity) {
    return PooledByteBufAllocator.DEFAULT.heapBuffer(capacity);
  }

  /**
   * Fetches {@code length} bytes of Data-Out. When the initiator offered less (EDTL < length) the
   * future fails with a ScsiException the dispatcher reports; callers need no check of their own.
   */
  public CompletableFuture<ByteBuf> dataOut(int length) {
    return io.dataOut(length);
  }

  /**
   * GOOD with parameter data truncated to the allocation length (SPC-4 4.2.5.6): sends
   * min(data, allocationLength) bytes, reports {@code allocationLength} as the intended length.
   */
  public static CompletableFuture<ScsiResponse> data(ByteBuf data, int allocationLength) {
    if (data.readableBytes() > allocationLength) {
      data.writerIndex(data.readerIndex() + allocationLength);
    }
    return CompletableFuture.completedFuture(ScsiResponse.good(data, allocationLength));
  }

  public static CompletableFuture<ScsiResponse> good() {
    return CompletableFuture.completedFuture(ScsiResponse.good());
  }
}
