package io.blockraft.target.iscsi.login;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 7143 6.1 text format of Login and Text PDU data segments: {@code key=value} pairs, each
 * terminated by a NUL byte, UTF-8. Key names are at most 63 bytes of {@code [A-Za-z0-9.\-+@_]};
 * values at most 255 bytes unless a key says otherwise (binary CHAP values and lists may be longer,
 * so the parser itself caps a value at {@link #MAX_LONG_VALUE_LENGTH} and callers check the
 * per-key limit with {@link #maxValueLength(String)}); a whole text, across continuation PDUs, at
 * most {@link #MAX_TEXT_LENGTH} bytes.
 *
 * <p>Parsing keeps order and duplicates: detecting a key sent twice is the negotiator's job.
 */
public final class TextKeys {
  public static final int MAX_KEY_LENGTH = 63;
  public static final int MAX_VALUE_LENGTH = 255;
  public static final int MAX_LONG_VALUE_LENGTH = 8192;
  public static final int MAX_TEXT_LENGTH = 65536;

  /** One key=value pair. */
  public record KeyValue(String key, String value) {
    @Override
    public String toString() {
      return key + "=" + value;
    }
  }

  private TextKeys() {}

  /** Parses the readable bytes of {@code data} (indexes unchanged). */
  public static List<KeyValue> parse(ByteBuf data) throws TextFormatException {
    byte[] bytes = new byte[data.readableBytes()];
    data.getBytes(data.readerIndex(), bytes);
    return parse(bytes);
  }

  /**
   * Parses a whole text. Empty strings between NULs (and trailing padding NULs) are skipped; a
   * last pair without its NUL is accepted.
   */
  public static List<KeyValue> parse(byte[] text) throws TextFormatException {
    if (text.length > MAX_TEXT_LENGTH) {
      throw new TextFormatException("text longer than " + MAX_TEXT_LENGTH + " bytes");
    }
    List<KeyValue> out = new ArrayList<>();
    int start = 0;
    while (start < text.length) {
      int end = start;
      while (end < text.length && text[end] != 0) {
        end++;
      }
      if (end > start) {
        out.add(parsePair(text, start, end));
      }
      start = end + 1;
    }
    return out;
  }

  private static KeyValue parsePair(byte[] text, int start, int end) throws TextFormatException {
    int eq = start;
    while (eq < end && text[eq] != '=') {
      eq++;
    }
    if (eq == end) {
      throw new TextFormatException("key=value pair without '='");
    }
    int keyLength = eq - start;
    if (keyLength == 0 || keyLength > MAX_KEY_LENGTH) {
      throw new TextFormatException("key name length " + keyLength + " out of 1.." + MAX_KEY_LENGTH);
    }
    for (int i = start; i < eq; i++) {
      if (!isKeyChar(text[i])) {
        throw new TextFormatException("invalid character in key name");
      }
    }
    int valueLength = end - eq - 1;
    if (valueLength > MAX_LONG_VALUE_LENGTH) {
      throw new TextFormatException("value longer than " + MAX_LONG_VALUE_LENGTH + " bytes");
    }
    String key = new String(text, start, keyLength, StandardCharsets.US_ASCII);
    String value = new String(text, eq + 1, valueLength, StandardCharsets.UTF_8);
    return new KeyValue(key, value);
  }

  private static boolean isKeyChar(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '.'
        || b == '-' || b == '+' || b == '@' || b == '_' || b == '#';
  }

  /**
   * The longest value (bytes) RFC 7143 allows for {@code key}: 255 in general (6.1); CHAP binary
   * values hold up to 1024 bytes (12.1.3), i.e. 2 + 2048 hex digits; TargetAddress lists and
   * extension keys are allowed the long limit.
   */
  public static int maxValueLength(String key) {
    return switch (key) {
      case "CHAP_C", "CHAP_R" -> 2 + 2 * 1024;
      case "TargetAddress", "SendTargets" -> MAX_VALUE_LENGTH;
      default -> key.startsWith("X-") || key.startsWith("X#") ? MAX_LONG_VALUE_LENGTH : MAX_VALUE_LENGTH;
    };
  }

  /** Encodes pairs as {@code key=value\0...}. */
  public static byte[] encode(List<KeyValue> pairs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (KeyValue kv : pairs) {
      out.writeBytes(kv.key().getBytes(StandardCharsets.US_ASCII));
      out.write('=');
      out.writeBytes(kv.value().getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  /** {@link #encode(List)} as an unpooled buffer (empty buffer for no pairs). */
  public static ByteBuf encodeBuf(List<KeyValue> pairs) {
    return pairs.isEmpty() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(encode(pairs));
  }
}
