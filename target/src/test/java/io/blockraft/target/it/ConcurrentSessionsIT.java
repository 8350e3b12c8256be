package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.node.BlockraftNode;
import io.blockraft.target.node.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many initiators at once: eight {@code qemu-img} processes (each its own iSCSI session, libiscsi
 * underneath) write seeded random data to eight disjoint 8 MiB regions of LUN 0 at the same time,
 * then eight more read the regions back at the same time; every byte must come back.
 */
class ConcurrentSessionsIT {
  private static final int SESSIONS = 8;
  private static final int REGION_MIB = 8;
  private static final Duration LIMIT = Duration.ofMinutes(3);

  @TempDir
  Path dir;

  private BlockraftNode node;

  @BeforeEach
  void startNode() throws Exception {
    ItSupport.requireQemuIscsi();
    node = LocalCluster.start(dir.resolve("data"), ItSupport.freePort());
  }

  @AfterEach
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /** QEMU block options for region {@code i} of LUN 0 (a raw window over the iSCSI LUN). */
  private String region(int i) {
    long size = (long) REGION_MIB << 20;
    return "driver=raw,offset=" + i * size + ",size=" + size + ",file.driver=iscsi"
        + ",file.transport=tcp,file.portal=127.0.0.1:" + node.portalPort()
        + ",file.target=" + LocalCluster.TARGET + ",file.lun=0";
  }

  @Test
  void eightInitiatorsWritingAndReadingAtOnce_eachGetsItsOwnBytesBack() throws Exception {
    List<Path> in = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      in.add(QemuImgRoundTripIT.randomFile(dir.resolve("in" + i), REGION_MIB, 1000 + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
    try {
      List<CompletableFuture<String>> writes = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        int n = i;
        writes.add(CompletableFuture.supplyAsync(() -> qemuImg("convert", "-n", "-f", "raw",
            "--target-image-opts", in.get(n).toString(), region(n)), pool));
      }
      CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
      Awaitility.await("every session ends after its logout").atMost(Duration.ofSeconds(10))
          .until(() -> node.sessionCount() == 0);

      List<CompletableFuture<String>> reads = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        int n = i;
        reads.add(CompletableFuture.supplyAsync(() -> qemuImg("convert", "--image-opts",
            region(n), "-O", "raw", dir.resolve("out" + n).toString()), pool));
      }
      CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).join();
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < SESSIONS; i++) {
      assertThat(Files.mismatch(in.get(i), dir.resolve("out" + i)))
          .as("region %d: first differing byte", i).isEqualTo(-1L);
    }
  }

  private static String qemuImg(String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "qemu-img";
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      return ItSupport.runOk(LIMIT, null, cmd);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
