package io.blockraft.target.scsi;

import io.netty.buffer.ByteBuf;

/**
 * The outcome of one task (SAM-5 5.1): status, optional sense data, optional Data-In.
 *
 * @param status SAM status byte ({@link ScsiStatus})
 * @param sense fixed-format sense data, or null
 * @param dataIn data for the initiator (ownership passes to the transport), or null
 * @param transferLength the number of bytes the command intended to transfer in its data
 *     direction (allocation length or transfer length in bytes); the transport compares it with
 *     EDTL to report residual overflow/underflow (RFC 7143 11.4.5). dataIn may be shorter when the
 *     command has less to say than the allocation length (then the transport reports underflow).
 */
public record ScsiResponse(int status, byte[] sense, ByteBuf dataIn, int transferLength) {

  public static ScsiResponse good() {
    return new ScsiResponse(ScsiStatus.GOOD, null, null, 0);
  }

  /** GOOD with data; transferLength is the length the command asked for. */
  public static ScsiResponse good(ByteBuf dataIn, int transferLength) {
    return new ScsiResponse(ScsiStatus.GOOD, null, dataIn, transferLength);
  }

  public static ScsiResponse status(int status) {
    return new ScsiResponse(status, null, null, 0);
  }

  public static ScsiResponse checkCondition(byte[] sense) {
    return new ScsiResponse(ScsiStatus.CHECK_CONDITION, sense, null, 0);
  }
}
