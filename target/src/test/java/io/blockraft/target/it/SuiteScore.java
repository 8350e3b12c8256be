package io.blockraft.target.it;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scores an {@code iscsi-test-cu} log exactly as the project's {@code suite-score.py} does: a
 * test's body runs from its {@code Test: NAME ...} line to the next test, suite or "Run Summary";
 * a body containing {@code FAILED} is failed, else one containing {@code [SKIPPED]} is skipped,
 * else it passed. (The test tool prints "passed" for a skipped test; that does not count.)
 */
record SuiteScore(List<Test> passed, List<Test> skipped, List<Test> failed) {
  private static final Pattern SUITE = Pattern.compile("^Suite: (\\S+)");
  private static final Pattern TEST = Pattern.compile("^\\s+Test: (\\S+) \\.\\.\\.(.*)$");

  /** One test of the log: suite, name and everything it printed. */
  record Test(String suite, String name, String body) {
    /** The first [FAILED] or [SKIPPED] line, for messages. */
    String reason() {
      String[] lines = body.split("\n");
      for (String l : lines) {
        if (l.contains("[FAILED]") || l.contains("[SKIPPED]")) {
          return shorten(l);
        }
      }
      for (String l : lines) {
        if (l.contains("CU_")) { // CUnit's assertion line, e.g. CU_ASSERT_NOT_EQUAL(num_uas,0)
          return shorten(l);
        }
      }
      return "";
    }

    private static String shorten(String l) {
      String t = l.strip();
      return t.length() > 160 ? t.substring(0, 160) : t;
    }

    @Override
    public String toString() {
      return suite + "." + name + ": " + reason();
    }
  }

  static SuiteScore of(String log) {
    List<String[]> tests = new ArrayList<>();
    String suite = null;
    String[] cur = null;
    for (String line : log.split("\r?\n", -1)) {
      Matcher m = SUITE.matcher(line);
      if (m.find()) {
        suite = m.group(1);
        cur = null;
        continue;
      }
      m = TEST.matcher(line);
      if (m.matches()) {
        cur = new String[] {suite, m.group(1), m.group(2)};
        tests.add(cur);
        continue;
      }
      if (line.startsWith("Run Summary")) {
        cur = null;
      }
      if (cur != null) {
        cur[2] += "\n" + line;
      }
    }
    List<Test> passed = new ArrayList<>();
    List<Test> skipped = new ArrayList<>();
    List<Test> failed = new ArrayList<>();
    for (String[] t : tests) {
      Test test = new Test(t[0], t[1], t[2]);
      if (t[2].contains("FAILED")) {
        failed.add(test);
      } else if (t[2].contains("[SKIPPED]")) {
        skipped.add(test);
      } else {
        passed.add(test);
      }
    }
    return new SuiteScore(List.copyOf(passed), List.copyOf(skipped), List.copyOf(failed));
  }

  int total() {
    return passed.size() + skipped.size() + failed.size();
  }

  /** The same line suite-score.py prints last. */
  String line() {
    return "passed " + passed.size() + " skipped " + skipped.size() + " failed " + failed.size()
        + " total " + total();
  }
}
