package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Builders for the PDUs a target sends in Full Feature Phase (RFC 7143 11.4 SCSI Response, 11.6
 * Task Management Response, 11.7.1 SCSI Data-In, 11.8 R2T, 11.11 Text Response, 11.15 Logout
 * Response, 11.17 Reject, 11.19 NOP-In). StatSN, ExpCmdSN and MaxCmdSN (bytes 24..35, the same
 * place in every target PDU) are stamped by the connection when the PDU is written.
 */
public final class TargetPdus {
  /** The reserved tag value (RFC 7143 11.2.1.8). */
  public static final int RESERVED_TAG = 0xffffffff;

  // RFC 7143 11.17.1 Reject reasons
  public static final int REJECT_DATA_DIGEST = 0x02;
  public static final int REJECT_SNACK = 0x03;
  public static final int REJECT_PROTOCOL_ERROR = 0x04;
  public static final int REJECT_COMMAND_NOT_SUPPORTED = 0x05;
  public static final int REJECT_INVALID_PDU_FIELD = 0x09;

  // RFC 7143 11.4.1 SCSI Response flags
  public static final int FLAG_OVERFLOW = 0x04;
  public static final int FLAG_UNDERFLOW = 0x02;

  private TargetPdus() {}

  /** RFC 7143 11.17: Reject carrying the offending BHS as its data segment. */
  public static Pdu reject(int reason, byte[] offendingBhs) {
    Pdu p = Pdu.create(Opcode.REJECT, Unpooled.wrappedBuffer(offendingBhs.clone()));
    p.setFlags(0x80).put8(2, reason).setItt(RESERVED_TAG);
    return p;
  }

  /**
   * RFC 7143 11.4: SCSI Response. Sense data travels as a 2-byte SenseLength followed by the
   * sense bytes (11.4.7).
   */
  public static Pdu scsiResponse(int itt, int status, byte[] sense, int residualFlags, int residual,
      int expDataSn) {
    ByteBuf data = null;
    if (sense != null && sense.length > 0) {
      data = Unpooled.buffer(2 + sense.length);
      data.writeShort(sense.length).writeBytes(sense);
    }
    Pdu p = Pdu.create(Opcode.SCSI_RESPONSE, data);
    p.setFlags(0x80 | residualFlags).put8(2, 0x00).put8(3, status).setItt(itt);
    p.put32(36, expDataSn).put32(44, residual);
    return p;
  }

  /** RFC 7143 11.7.1: SCSI Data-In; with status when {@code withStatus} (phase collapse, 11.7.1.2). */
  public static Pdu dataIn(int itt, long lun, ByteBuf data, int dataSn, int bufferOffset,
      boolean fin, boolean withStatus, int status, int residualFlags, int residual) {
    Pdu p = Pdu.create(Opcode.SCSI_DATA_IN, data);
    int flags = fin ? 0x80 : 0;
    if (withStatus) {
      flags |= 0x01 | residualFlags;
      p.put8(3, status).put32(44, residual);
    }
    p.setFlags(flags).setLun(lun).setItt(itt).put32(20, RESERVED_TAG);
    p.put32(36, dataSn).put32(40, bufferOffset);
    return p;
  }

  /** RFC 7143 11.8: Ready To Transfer. */
  public static Pdu r2t(int itt, long lun, int ttt, int r2tSn, int bufferOffset, int length) {
    Pdu p = Pdu.create(Opcode.R2T, null);
    p.setFlags(0x80).setLun(lun).setItt(itt).put32(20, ttt);
    p.put32(36, r2tSn).put32(40, bufferOffset).put32(44, length);
    return p;
  }

  /** RFC 7143 11.19: NOP-In (an answer: ttt reserved; a ping: itt reserved). */
  public static Pdu nopIn(int itt, int ttt, long lun, ByteBuf data) {
    Pdu p = Pdu.create(Opcode.NOP_IN, data);
    p.setFlags(0x80).setLun(lun).setItt(itt).put32(20, ttt);
    return p;
  }

  /** RFC 7143 11.11: Text Response. */
  public static Pdu textResponse(int itt, int ttt, boolean fin, boolean cont, ByteBuf data) {
    Pdu p = Pdu.create(Opcode.TEXT_RESPONSE, data);
    p.setFlags((fin ? 0x80 : 0) | (cont ? 0x40 : 0)).setItt(itt).put32(20, ttt);
    return p;
  }

  /** RFC 7143 11.15: Logout Response (Time2Wait/Time2Retain 0: no reconnect wait, no retention). */
  public static Pdu logoutResponse(int itt, int response) {
    Pdu p = Pdu.create(Opcode.LOGOUT_RESPONSE, null);
    p.setFlags(0x80).put8(2, response).setItt(itt);
    return p;
  }

  /** RFC 7143 11.6: Task Management Function Response. */
  public static Pdu tmfResponse(int itt, int response) {
    Pdu p = Pdu.create(Opcode.TASK_MGMT_RESPONSE, null);
    p.setFlags(0x80).put8(2, response).setItt(itt);
    return p;
  }

  /**
   * The CmdSN of a non-immediate, numbered request PDU (RFC 7143 4.2.2.1: SCSI Command, Task
   * Management, Text, Logout, and NOP-Out other than a ping response), or -1 when the PDU takes
   * no CmdSN. A rejected numbered PDU still consumes its CmdSN, or the window would stall.
   */
  static long numberedCmdSn(byte[] bhs) {
    int op = bhs[0] & 0x3f;
    boolean immediate = (bhs[0] & 0x40) != 0;
    boolean numbered = op == Opcode.SCSI_COMMAND || op == Opcode.TASK_MGMT_REQUEST
        || op == Opcode.TEXT_REQUEST || op == Opcode.LOGOUT_REQUEST
        || op == Opcode.NOP_OUT && !(bhs[16] == -1 && bhs[17] == -1 && bhs[18] == -1 && bhs[19] == -1);
    if (!numbered || immediate) {
      return -1;
    }
    return ((bhs[24] & 0xffL) << 24) | ((bhs[25] & 0xff) << 16) | ((bhs[26] & 0xff) << 8)
        | (bhs[27] & 0xff);
  }
}
