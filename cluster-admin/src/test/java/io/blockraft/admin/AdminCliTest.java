package io.blockraft.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class AdminCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return AdminCli.run(args, new PrintStream(out), new PrintStream(err));
  }

  @Test
  void noArguments_printsUsage_andExits2() {
    assertThat(run()).isEqualTo(2);
    assertThat(out.toString()).contains("usage: blockraft-admin");
  }

  @Test
  void unimplementedCommand_saysWhatIsMissing_andExits3() {
    assertThat(run("status")).isEqualTo(3);
    assertThat(err.toString()).contains("'status'").contains("admin HTTP API");
  }
}
