package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.blockraft.target.iscsi.session.IscsiConnection;
import io.blockraft.target.node.BlockraftNode;
import io.blockraft.target.node.LocalCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * QEMU's iSCSI block driver (libiscsi underneath) as the initiator: 64 MiB of seeded random data
 * written with {@code qemu-img convert} and read back with {@code qemu-img dd}, byte for byte.
 */
class QemuImgRoundTripIT {
  static final int MIB = 1 << 20;
  static final Duration LIMIT = Duration.ofMinutes(3);

  @TempDir
  Path dir;

  private BlockraftNode node;
  private String base;

  @BeforeEach
  void startNode() throws Exception {
    ItSupport.requireQemuIscsi();
    node = LocalCluster.start(dir.resolve("data"), ItSupport.freePort());
    base = "iscsi://127.0.0.1:" + node.portalPort() + "/" + LocalCluster.TARGET;
  }

  @AfterEach
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void randomData64MiB_writtenAndReadBack_isByteForByteEqual() throws Exception {
    Path in = randomFile(dir.resolve("in.raw"), 64, 0x5eed_b10cL);
    Path out = dir.resolve("out.raw");

    write(in, base + "/0");
    read(base + "/0", out, 64);

    assertThat(Files.size(out)).isEqualTo(64L * MIB);
    assertThat(Files.mismatch(in, out)).as("first differing byte").isEqualTo(-1L);
  }

  @Test
  void write_toReadOnlyLun_fails_andLeavesItZero() throws Exception {
    Path in = randomFile(dir.resolve("in.raw"), 1, 7);
    Path out = dir.resolve("out.raw");

    ItSupport.Result r = ItSupport.run(LIMIT, null, "qemu-img", "convert", "-n", "-f", "raw",
        "-O", "raw", in.toString(), base + "/1");
    read(base + "/1", out, 1);

    assertThat(r.exitCode()).as("qemu-img output: %s", r.output()).isNotZero();
    assertThat(Files.readAllBytes(out)).containsOnly(0);
  }

  /**
   * RFC 7143 13.1 HeaderDigest=CRC32C with a real initiator (libiscsi offers header digests, not
   * data digests): the session is seen to negotiate it, and 16 MiB go through it and back intact.
   */
  @Test
  void headerDigestCrc32c_roundTrip_isByteForByteEqual() throws Exception {
    Path in = randomFile(dir.resolve("in.raw"), 16, 0xd16e57L);
    Path out = dir.resolve("out.raw");
    String opts = "driver=iscsi,transport=tcp,portal=127.0.0.1:" + node.portalPort()
        + ",target=" + LocalCluster.TARGET + ",lun=0,header-digest=crc32c";
    ListAppender<ILoggingEvent> sessions = new ListAppender<>();
    Logger connLog = (Logger) LoggerFactory.getLogger(IscsiConnection.class);
    sessions.start();
    connLog.addAppender(sessions);
    try {
      ItSupport.runOk(LIMIT, null, "qemu-img", "convert", "-n", "-f", "raw", "--target-image-opts",
          in.toString(), opts);
      ItSupport.runOk(LIMIT, null, "qemu-img", "dd", "--image-opts", "-O", "raw", "bs=1M",
          "count=16", "if=" + opts, "of=" + out);
    } finally {
      connLog.detachAppender(sessions);
    }
    assertThat(sessions.list).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("in full feature phase"))
        .hasSize(2)
        .allMatch(m -> m.contains("hd=true"), "HeaderDigest=CRC32C negotiated");
    assertThat(Files.mismatch(in, out)).as("first differing byte").isEqualTo(-1L);
  }

  /** Seeded, so a failure is repeatable. */
  static Path randomFile(Path file, int mib, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] chunk = new byte[MIB];
    try (OutputStream os = Files.newOutputStream(file)) {
      for (int i = 0; i < mib; i++) {
        random.nextBytes(chunk);
        os.write(chunk);
      }
    }
    return file;
  }

  static void write(Path file, String url) throws Exception {
    ItSupport.runOk(LIMIT, null, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
        file.toString(), url);
  }

  /** The first {@code mib} MiB of the LUN (the LUN itself is larger). */
  static void read(String url, Path out, int mib) throws Exception {
    Files.deleteIfExists(out);
    ItSupport.runOk(LIMIT, null, "qemu-img", "dd", "-f", "raw", "-O", "raw", "bs=1M",
        "count=" + mib, "if=" + url, "of=" + out);
  }
}
