package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.sense.ScsiException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * SPC-4 7.6.4.6 TransportID for iSCSI (protocol identifier 5h): FORMAT CODE 00b names an
 * initiator device (every initiator port of that iSCSI name), 01b an initiator port
 * ("name,i,0xISID"). Other protocols are not supported and are rejected as INVALID FIELD IN
 * PARAMETER LIST.
 *
 * @param initiatorName iSCSI name, lower case
 * @param isid 12 lower-case hex digits, or null for format 00b
 */
public record TransportId(String initiatorName, String isid) {
  public static final int PROTOCOL_ISCSI = 0x5;
  /** SPC-4 7.6.4.6: at most 223 bytes of name plus ",i,0x" + 12 digits + NUL, padded. */
  public static final int MAX_LENGTH = 4 + 256;
  private static final String SEPARATOR = ",i,0x";

  /**
   * Parses the TransportID at {@code off} of the parameter list {@code p}, which must end by
   * {@code end}.
   *
   * @return the TransportID; its encoded length is {@link #lengthAt(byte[], int)}
   * @throws ScsiException INVALID FIELD IN PARAMETER LIST pointing at the offending byte
   */
  public static TransportId parse(byte[] p, int off, int end) {
    if (off + 4 > end) {
      throw ScsiException.invalidParameterField(off);
    }
    int format = (p[off] >> 6) & 0x3;
    int protocol = p[off] & 0x0f;
    if (protocol != PROTOCOL_ISCSI || (format != 0 && format != 1) || (p[off] & 0x30) != 0) {
      throw ScsiException.invalidParameterField(off);
    }
    int addl = Cdb.u16(p, off + 2);
    if (addl < 20 || addl % 4 != 0 || off + 4 + addl > end || 4 + addl > MAX_LENGTH) {
      throw ScsiException.invalidParameterField(off + 2);
    }
    int start = off + 4;
    int nul = start;
    while (nul < start + addl && p[nul] != 0) {
      nul++;
    }
    if (nul == start || nul == start + addl) { // empty, or not NUL-terminated
      throw ScsiException.invalidParameterField(start);
    }
    String text = new String(p, start, nul - start, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    if (format == 0) {
      if (text.contains(",")) {
        throw ScsiException.invalidParameterField(start);
      }
      return new TransportId(text, null);
    }
    int sep = text.indexOf(SEPARATOR);
    if (sep <= 0) {
      throw ScsiException.invalidParameterField(start);
    }
    String isid = text.substring(sep + SEPARATOR.length());
    if (isid.length() != 12 || !isid.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw ScsiException.invalidParameterField(start + sep);
    }
    return new TransportId(text.substring(0, sep), isid);
  }

  /** Total length (header + ADDITIONAL LENGTH) of the TransportID at {@code off}. */
  public static int lengthAt(byte[] p, int off) {
    return 4 + Cdb.u16(p, off + 2);
  }

  /** The TransportID identifying a registrant's initiator port (or device). */
  public static byte[] encode(Registrant r) {
    String text = r.initiatorPort();
    byte[] name = text.getBytes(StandardCharsets.UTF_8);
    int addl = Math.max(20, (name.length + 1 + 3) & ~3); // NUL-terminated, multiple of 4
    byte[] out = new byte[4 + addl];
    out[0] = (byte) ((r.isid() == null ? 0x00 : 0x40) | PROTOCOL_ISCSI);
    Cdb.put16(out, 2, addl);
    System.arraycopy(name, 0, out, 4, name.length);
    return out;
  }

  /** This TransportID as a registrant on one target port (or on every one when targetName is null). */
  public Registrant on(String targetName, int targetPortGroup, int relativeTargetPort) {
    return new Registrant(initiatorName, isid, targetName, targetPortGroup, relativeTargetPort);
  }
}
