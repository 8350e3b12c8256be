package io.blockraft.target.iscsi.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RFC 7143 4.2.2.1 CmdSN window arithmetic. */
class CmdSequencerTest {

  @Test
  void inOrderCommands_areDeliveredAndAdvanceExpCmdSn() {
    CmdSequencer<String> s = new CmdSequencer<>(10, 4);
    assertThat(s.offer(10, "a")).isTrue();
    assertThat(s.poll()).isEqualTo("a");
    assertThat(s.poll()).isNull();
    assertThat(s.expCmdSn()).isEqualTo(11);
  }

  @Test
  void gap_holdsLaterCommandsUntilFilled() {
    CmdSequencer<String> s = new CmdSequencer<>(1, 8);
    s.offer(3, "c");
    s.offer(2, "b");
    assertThat(s.poll()).isNull();
    s.offer(1, "a");
    assertThat(s.poll()).isEqualTo("a");
    assertThat(s.poll()).isEqualTo("b");
    assertThat(s.poll()).isEqualTo("c");
    assertThat(s.expCmdSn()).isEqualTo(4);
  }

  @Test
  void outsideWindowOrDuplicate_isRefused() {
    CmdSequencer<String> s = new CmdSequencer<>(100, 4); // window [100, 103]
    assertThat(s.offer(99, "low")).isFalse();
    assertThat(s.offer(104, "high")).isFalse();
    assertThat(s.offer(103, "edge")).isTrue();
    assertThat(s.offer(103, "dup")).isFalse();
  }

  @Test
  void window_wrapsAroundTheSerialNumberSpace() {
    CmdSequencer<String> s = new CmdSequencer<>(0xfffffffe, 4); // [0xfffffffe, 1]
    assertThat(s.offer(0xfffffffe, "a")).isTrue();
    assertThat(s.offer(0xffffffff, "b")).isTrue();
    assertThat(s.offer(0, "c")).isTrue();
    assertThat(s.offer(1, "d")).isTrue();
    assertThat(s.offer(2, "e")).isFalse();
    assertThat(s.poll()).isEqualTo("a");
    assertThat(s.poll()).isEqualTo("b");
    assertThat(s.poll()).isEqualTo("c");
    assertThat(s.poll()).isEqualTo("d");
    assertThat(s.expCmdSn()).isEqualTo(2);
  }

  @Test
  void skippedCmdSn_isConsumedWithoutDelivery() {
    CmdSequencer<String> s = new CmdSequencer<>(5, 8);
    assertThat(s.skip(5)).isTrue();
    s.offer(6, "next");
    assertThat(s.poll()).isEqualTo("next");
    assertThat(s.skip(4)).isFalse();
  }

  @Test
  void maxCmdSn_growsWithCompletionsAndNeverShrinks() {
    CmdSequencer<String> s = new CmdSequencer<>(1, 4);
    assertThat(s.maxCmdSn()).isEqualTo(4);
    for (int i = 1; i <= 4; i++) {
      s.offer(i, "x");
      s.poll();
    }
    assertThat(s.updateMax(4)).isEqualTo(4); // four executing: window closed, not shrunk
    assertThat(s.updateMax(1)).isEqualTo(7);
    assertThat(s.updateMax(4)).isEqualTo(7);
  }
}
