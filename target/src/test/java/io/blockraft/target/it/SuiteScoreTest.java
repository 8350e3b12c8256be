package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SuiteScoreTest {
  private static final String LOG = """
      Suite: TestUnitReady
        Test: Simple ...passed
      Suite: PreventAllow
        Test: Simple ...
      [SKIPPED] Logical unit is not removable. Skipping test.
      passed
        Test: Eject ...
          [FAILED] PRIN command: failed with sense.
      FAILED
          1. test_prevent_allow_eject.c:40  - CU_FAIL("[FAILED] ...")
      Suite: ReadOnly
        Test: ReadOnlySBC ...passed

      Run Summary:    Type  Total    Ran Passed Failed Inactive
                    tests      4      4      2      1        0
      """;

  @Test
  void skippedTestThatSaysPassed_countsAsSkipped_andFailedAsFailed() {
    SuiteScore s = SuiteScore.of(LOG);

    assertThat(s.line()).isEqualTo("passed 2 skipped 1 failed 1 total 4");
    assertThat(s.skipped()).extracting(SuiteScore.Test::name).containsExactly("Simple");
    assertThat(s.failed().get(0).toString()).startsWith("PreventAllow.Eject: [FAILED] PRIN");
  }

  @Test
  void runSummaryLines_doNotLeakIntoTheLastTest() {
    SuiteScore s = SuiteScore.of(LOG);

    assertThat(s.passed()).extracting(SuiteScore.Test::name).containsExactly("Simple", "ReadOnlySBC");
    assertThat(s.passed().get(1).body()).doesNotContain("Failed");
  }
}
