package io.blockraft.target.iscsi.login;

import java.util.Base64;
import java.util.HexFormat;

/**
 * RFC 7143 6.1 binary-value: a hex constant ({@code 0x}/{@code 0X} then hex digits; an odd digit
 * count means an implied leading zero) or a base64 constant ({@code 0b}/{@code 0B} then RFC 4648
 * base64). Used by CHAP_C and CHAP_R (12.1.3).
 */
public final class BinaryValue {
  private BinaryValue() {}

  /** Decodes; throws {@link IllegalArgumentException} on a malformed value. */
  public static byte[] decode(String value) {
    if (value.length() < 3 || value.charAt(0) != '0') {
      throw new IllegalArgumentException("not a binary value");
    }
    char kind = value.charAt(1);
    String body = value.substring(2);
    if (kind == 'x' || kind == 'X') {
      if ((body.length() & 1) == 1) {
        body = "0" + body;
      }
      return HexFormat.of().parseHex(body);
    }
    if (kind == 'b' || kind == 'B') {
      return Base64.getDecoder().decode(body);
    }
    throw new IllegalArgumentException("not a binary value");
  }

  /** Encodes as a lower-case hex constant, {@code 0x...}. */
  public static String hex(byte[] bytes) {
    return "0x" + HexFormat.of().formatHex(bytes);
  }

  /** Encodes as a base64 constant, {@code 0b...}. */
  public static String base64(byte[] bytes) {
    return "0b" + Base64.getEncoder().encodeToString(bytes);
  }
}
