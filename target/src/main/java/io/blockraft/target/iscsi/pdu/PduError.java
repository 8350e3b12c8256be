package io.blockraft.target.iscsi.pdu;

/**
 * What {@link PduDecoder} emits instead of a {@link Pdu} when input is not acceptable (RFC 7143
 * 7.8 digest errors, 11.17 Reject reasons).
 *
 * @param kind how the connection layer reacts
 * @param bhs a copy of the offending PDU's Basic Header Segment (48 bytes; for a Reject's data
 *     segment)
 * @param reason human-readable cause for logs
 */
public record PduError(Kind kind, byte[] bhs, String reason) {

  public enum Kind {
    /**
     * Data digest mismatch: the PDU was consumed; answer Reject reason 0x02 (data digest error)
     * and continue (RFC 7143 7.8).
     */
    DATA_DIGEST,
    /**
     * Framing was fine but the PDU is not acceptable (data segment longer than the negotiated
     * MaxRecvDataSegmentLength, AHS too long, unknown or target opcode). The decoder skips exactly
     * the PDU's bytes; answer Reject 0x04 (protocol error) or 0x05 (command not supported).
     */
    PROTOCOL,
    /**
     * Header digest error or untrustworthy framing: close the connection. The decoder discards all
     * further input.
     */
    FATAL
  }

  /** The opcode of the offending PDU (byte 0, low 6 bits). */
  public int opcode() {
    return bhs[0] & 0x3f;
  }

  /** The Initiator Task Tag of the offending PDU (bytes 16..19). */
  public int itt() {
    return ((bhs[16] & 0xff) << 24) | ((bhs[17] & 0xff) << 16) | ((bhs[18] & 0xff) << 8)
        | (bhs[19] & 0xff);
  }

  @Override
  public String toString() {
    return "PduError[" + kind + " op=0x" + Integer.toHexString(opcode()) + " " + reason + "]";
  }
}
