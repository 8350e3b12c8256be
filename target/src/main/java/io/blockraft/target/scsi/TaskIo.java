package io.blockraft.target.scsi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.CompletableFuture;

/**
 * What the transport offers one task. The SCSI layer asks for write data only after its checks
 * pass (so a rejected write costs no R2T), and completes the task exactly once.
 */
public interface TaskIo {

  /**
   * Fetches the task's Data-Out: {@code length} bytes (0 < length <= EDTL), gathering immediate,
   * unsolicited and R2T-solicited data. The returned buffer is owned by the caller (release it).
   * Completes exceptionally if the connection dies or the task is aborted.
   */
  CompletableFuture<ByteBuf> dataOut(int length);

  /**
   * Completes the task. Ownership of {@code response.dataIn()} passes to the transport.
   * Calls after the first, or after an abort, release the data and are ignored.
   */
  void complete(ScsiResponse response);

  /**
   * A direct buffer of {@code capacity} bytes for the task's data (Data-In, or work space),
   * released by whoever ends up owning it. The transport may refuse when the node is short of
   * buffer memory: then it throws {@link io.blockraft.target.scsi.dispatch.TaskSetFullException}.
   */
  default ByteBuf allocData(int capacity) {
    return PooledByteBufAllocator.DEFAULT.directBuffer(capacity, capacity);
  }

  /** True once task management aborted this task; handlers may stop early. */
  boolean isAborted();
}
