package io.blockraft.target.iscsi.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.target.iscsi.login.TextKeys.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextKeysTest {

  @Test
  void parse_keepsOrderAndDuplicates_skipsPaddingNuls_acceptsMissingLastNul() throws Exception {
    byte[] text = "A=1\0B=x=y\0\0\0A=2".getBytes(StandardCharsets.UTF_8);
    assertThat(TextKeys.parse(text)).containsExactly(new KeyValue("A", "1"),
        new KeyValue("B", "x=y"), new KeyValue("A", "2"));
  }

  @Test
  void encode_thenParse_roundTrips() throws Exception {
    List<KeyValue> kvs = List.of(new KeyValue("TargetName", "iqn.x:y"),
        new KeyValue("TargetAddress", "10.0.0.1:3260,1"), new KeyValue("Empty", ""));
    byte[] bytes = TextKeys.encode(kvs);
    assertThat(bytes[bytes.length - 1]).isZero();
    assertThat(TextKeys.parse(bytes)).isEqualTo(kvs);
  }

  @Test
  void parse_rejectsPairWithoutEquals_longKey_badKeyChar_emptyKey() {
    assertThatThrownBy(() -> TextKeys.parse("Foo\0".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TextFormatException.class);
    assertThatThrownBy(() -> TextKeys.parse(("K".repeat(64) + "=1").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TextFormatException.class);
    assertThatThrownBy(() -> TextKeys.parse("Sp ace=1".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TextFormatException.class);
    assertThatThrownBy(() -> TextKeys.parse("=1".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TextFormatException.class);
    assertThatThrownBy(() -> TextKeys.parse(new byte[TextKeys.MAX_TEXT_LENGTH + 1]))
        .isInstanceOf(TextFormatException.class);
  }

  @Test
  void binaryValue_hexOddDigits_base64_andGarbage() {
    assertThat(BinaryValue.decode("0xABC")).containsExactly(0x0a, 0xbc);
    assertThat(BinaryValue.decode("0X0102")).containsExactly(1, 2);
    assertThat(BinaryValue.decode("0bAQID")).containsExactly(1, 2, 3);
    assertThat(BinaryValue.hex(new byte[] {(byte) 0xff, 0})).isEqualTo("0xff00");
    assertThatThrownBy(() -> BinaryValue.decode("1234")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BinaryValue.decode("0xZZ")).isInstanceOf(IllegalArgumentException.class);
  }
}
