package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.node.BlockraftNode;
import io.blockraft.target.node.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libiscsi's conformance suite ({@code iscsi-test-cu}, the same binary a user installs) against
 * a real node, scored like {@code suite-score.py} (a test that printed [SKIPPED] is not a pass):
 *
 * <ul>
 *   <li>{@code -t ALL} on LUN 0, one URL: the official check (docs/conformance.md). At least
 *       {@link #PASSED_BAR} really pass; the only failures allowed are the two libiscsi defects in
 *       {@link #KNOWN_SUITE_DEFECTS}, each recognised by its exact signature;
 *   <li>{@code -t ALL.MultipathIO} with LUN 0 given twice (two sessions, two initiator names);
 *   <li>{@code -t ALL.ReadOnly} on the read-only LUN 1.
 * </ul>
 */
class ConformanceIT {
  /** Fewest really passed tests of the ALL run the build accepts. */
  static final int PASSED_BAR = 200;

  /**
   * Tests the scorer reports as failed against any conforming target, with the text that proves
   * it is that defect and not a regression (docs/conformance.md explains both).
   */
  static final Map<String, String> KNOWN_SUITE_DEFECTS = Map.of(
      // queries LBA i+1, expects the descriptor at i+lbppb: SBC-4 5.7 says i+1 (lbppb is 8 here)
      "GetLBAStatus.UnmapSingle", "lba offset in first descriptor does not",
      // expects the bad-DataSN writes to fail, but check_result logs [FAILED] when they do
      "iSCSIdatasn.iSCSIDataSnInvalid", "[FAILED] WRITE10 command failed");

  private static final Duration SUITE_LIMIT = Duration.ofMinutes(15);

  @TempDir
  static Path data;

  private static BlockraftNode node;
  private static String base;

  @BeforeAll
  static void startNode() throws Exception {
    ItSupport.requireTool("iscsi-test-cu", "libiscsi-bin");
    int port = ItSupport.freePort();
    node = LocalCluster.start(data, port);
    base = "iscsi://127.0.0.1:" + node.portalPort() + "/" + LocalCluster.TARGET;
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void allSuites_onLun0_passTheBar_andFailOnlyTheKnownSuiteDefects() throws Exception {
    Path log = ItSupport.buildDir().resolve("conformance-all.log");
    SuiteScore score = suite(log, "ALL", base + "/0");

    System.out.println("conformance ALL: " + score.line() + "  (log: " + log + ")");
    score.failed().forEach(t -> System.out.println("  failed: " + t));
    assertThat(score.total()).as("tests run; see %s", log).isGreaterThan(0);
    for (SuiteScore.Test t : score.failed()) {
      String key = t.suite() + "." + t.name();
      assertThat(KNOWN_SUITE_DEFECTS).as("unexpected failure %s; see %s", t, log).containsKey(key);
      assertThat(t.body()).as("%s failed differently from the known suite defect", key)
          .contains(KNOWN_SUITE_DEFECTS.get(key));
    }
    SuiteScore.Test dataSn = find(score, "iSCSIdatasn", "iSCSIDataSnInvalid");
    assertThat(dataSn.body().strip()).as("CUnit's own verdict: the bad-DataSN writes were refused")
        .endsWith("passed");
    assertThat(score.passed().size())
        .as("tests really passed (bar %d); skipped: %s", PASSED_BAR, score.skipped())
        .isGreaterThanOrEqualTo(PASSED_BAR);
  }

  @Test
  void multipathSuite_overTwoSessions_passes() throws Exception {
    Path log = ItSupport.buildDir().resolve("conformance-multipath.log");
    SuiteScore score = suite(log, "ALL.MultipathIO", base + "/0", base + "/0");

    System.out.println("conformance ALL.MultipathIO (2 paths): " + score.line() + "  (log: " + log + ")");
    score.failed().forEach(t -> System.out.println("  failed: " + t));
    // Reset: we keep the LU-reset UA off the issuing nexus (tgt's behaviour, which
    // Reserve6.LUNReset needs); this test wants it there too (LIO's). docs/conformance.md.
    assertThat(score.passed()).extracting(SuiteScore.Test::name)
        .contains("Simple", "CompareAndWrite", "CompareAndWriteAsync");
    assertThat(score.failed()).extracting(SuiteScore.Test::name).isSubsetOf("Reset");
  }

  @Test
  void readOnlySuite_onReadOnlyLun1_passes() throws Exception {
    Path log = ItSupport.buildDir().resolve("conformance-readonly.log");
    SuiteScore score = suite(log, "ALL.ReadOnly", base + "/1");

    System.out.println("conformance ALL.ReadOnly (LUN 1): " + score.line() + "  (log: " + log + ")");
    assertThat(score.failed()).as("failed tests; see %s", log).isEmpty();
    assertThat(score.passed()).as("ReadOnlySBC must run (LUN 1 write-protected), not skip: %s",
        score.skipped()).extracting(SuiteScore.Test::name).contains("ReadOnlySBC");
  }

  private static SuiteScore.Test find(SuiteScore score, String suite, String name) {
    return java.util.stream.Stream.of(score.passed(), score.failed(), score.skipped())
        .flatMap(List::stream).filter(t -> t.suite().equals(suite) && t.name().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError(suite + "." + name + " did not run"));
  }

  private static SuiteScore suite(Path log, String tests, String... urls) throws Exception {
    String[] cmd = new String[6 + urls.length];
    cmd[0] = "iscsi-test-cu";
    cmd[1] = "-d";
    cmd[2] = "-i";
    cmd[3] = ItSupport.TEST_INITIATOR;
    cmd[4] = "-t";
    cmd[5] = tests;
    System.arraycopy(urls, 0, cmd, 6, urls.length);
    ItSupport.run(SUITE_LIMIT, log, cmd);
    return SuiteScore.of(Files.readString(log));
  }
}
