package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What the integration tests share: finding the real initiators (libiscsi's tools, qemu-img),
 * running them with a time limit, free loopback ports and the module's build directory.
 *
 * <p>A missing tool skips the test with a message saying what to install, except under CI
 * ({@code CI=true}), where it fails: CI must run every test.
 */
final class ItSupport {
  /** The initiator name libiscsi's test tool expects (its PR tests key on it). */
  static final String TEST_INITIATOR = "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test";

  private ItSupport() {}

  static boolean underCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Skips (or, under CI, fails) unless {@code tool} is on the PATH. */
  static void requireTool(String tool, String debianPackage) {
    if (which(tool) != null) {
      return;
    }
    String msg = tool + " not found: apt-get install -y " + debianPackage + " (.ci/run does)";
    if (underCi()) {
      fail("CI=true but " + msg);
    }
    Assumptions.abort(msg);
  }

  /** Skips (or fails under CI) unless qemu-img was built with its iSCSI driver. */
  static void requireQemuIscsi() throws Exception {
    requireTool("qemu-img", "qemu-utils qemu-block-extra");
    Result r = run(Duration.ofSeconds(30), null, "qemu-img", "--help");
    if (r.output().contains(" iscsi")) {
      return;
    }
    String msg = "qemu-img has no iscsi driver: apt-get install -y qemu-block-extra";
    if (underCi()) {
      fail("CI=true but " + msg);
    }
    Assumptions.abort(msg);
  }

  static Path which(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** A port on 127.0.0.1 free right now (the node binds it moments later). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** Where tests keep logs: {@code <module build dir>/it} (failsafe passes it). */
  static Path buildDir() throws IOException {
    String dir = System.getProperty("blockraft.it.dir");
    Path p = dir != null ? Path.of(dir) : Path.of(System.getProperty("basedir", "."), "build", "it");
    Files.createDirectories(p);
    return p;
  }

  /** Exit status and combined stdout+stderr of a finished command. */
  record Result(int exitCode, String output) {}

  /**
   * Runs a command to completion with stdout and stderr merged; {@code log} (if not null) keeps
   * the output. Fails the test when the time limit passes.
   */
  static Result run(Duration limit, Path log, String... command) throws Exception {
    Path out = log != null ? log : Files.createTempFile("blockraft-it", ".out");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    try {
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        fail(String.join(" ", command) + " did not finish within " + limit + "; output:\n"
            + tail(Files.readString(out), 4000));
      }
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      if (log == null) {
        Files.deleteIfExists(out);
      }
    }
  }

  /** Like {@link #run} but fails the test on a non-zero exit status. */
  static String runOk(Duration limit, Path log, String... command) throws Exception {
    Result r = run(limit, log, command);
    if (r.exitCode() != 0) {
      fail(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + tail(r.output(), 4000));
    }
    return r.output();
  }

  static String tail(String s, int max) {
    return s.length() <= max ? s : "..." + s.substring(s.length() - max);
  }

  /** {@code java -cp <this JVM's class path> mainClass args...}: a child JVM for kill tests. */
  static ProcessBuilder childJvm(String mainClass, List<String> args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:MaxDirectMemorySize=512m",
        "-Dio.netty.leakDetection.level=disabled", "-cp", System.getProperty("java.class.path"),
        mainClass));
    cmd.addAll(args);
    return new ProcessBuilder(cmd);
  }
}
