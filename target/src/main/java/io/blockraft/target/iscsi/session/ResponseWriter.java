package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.netty.buffer.ByteBuf;

/**
 * Sends a task's outcome: RFC 7143 11.7.1 SCSI Data-In (PDUs of at most the initiator's
 * MaxRecvDataSegmentLength, F at the end of every MaxBurstLength sequence, DataSN and
 * BufferOffset), status phase collapse (11.7.1.2: S bit, status and residual on the last Data-In
 * when the status is GOOD and there is no sense), otherwise a SCSI Response (11.4) with the sense
 * data (11.4.7).
 *
 * <p>Residuals (11.4.5): the SCSI layer reports the length the command meant to transfer; more
 * than EDTL is an overflow (residual = that - EDTL), and for reads fewer bytes sent than EDTL is
 * an underflow (EDTL - bytes sent; for other commands EDTL - intended length). No more than EDTL
 * bytes of Data-In are ever sent, and none when the command had no R bit.
 */
final class ResponseWriter {
  private ResponseWriter() {}

  static void write(IscsiConnection conn, IscsiTask t, ScsiResponse r, int r2tCount) {
    SessionParams params = conn.params();
    ByteBuf data = r.dataIn();
    int edtl = t.edtl;
    int available = data == null ? 0 : data.readableBytes();
    int send = t.read ? Math.min(available, edtl) : 0;
    long intended = Math.max(0, r.transferLength());
    int flags = 0;
    long residual = 0;
    if (intended > edtl) {
      flags = TargetPdus.FLAG_OVERFLOW;
      residual = intended - edtl;
    } else {
      long moved = t.read && data != null ? send : intended;
      if (moved < edtl) {
        flags = TargetPdus.FLAG_UNDERFLOW;
        residual = edtl - moved;
      }
    }
    int res = (int) Math.min(residual, 0xffffffffL);
    boolean collapse = r.status() == ScsiStatus.GOOD && r.sense() == null && send > 0;
    int dataSn = 0;
    try {
      if (send > 0) {
        int segment = Math.max(512, params.initiatorMaxRecvDataSegmentLength);
        int burst = Math.max(512, params.maxBurstLength);
        int off = 0;
        int inBurst = 0;
        int base = data.readerIndex();
        while (off < send) {
          int n = Math.min(Math.min(segment, send - off), burst - inBurst);
          boolean last = off + n == send;
          inBurst += n;
          boolean endOfSequence = last || inBurst == burst;
          if (inBurst == burst) {
            inBurst = 0;
          }
          boolean withStatus = last && collapse;
          conn.send(TargetPdus.dataIn(t.itt, t.lun, data.retainedSlice(base + off, n), dataSn++, off,
              endOfSequence, withStatus, r.status(), flags, res),
              withStatus ? IscsiConnection.StatSn.ADVANCE : IscsiConnection.StatSn.NONE);
          off += n;
        }
      }
    } finally {
      if (data != null) {
        data.release();
      }
    }
    if (!collapse) {
      conn.send(TargetPdus.scsiResponse(t.itt, r.status(), r.sense(), flags, res,
          t.read ? dataSn : r2tCount), IscsiConnection.StatSn.ADVANCE);
    }
  }
}
