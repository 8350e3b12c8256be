package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blockraft.target.node.BlockraftNode;
import io.blockraft.target.node.LocalCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed input at a live portal (RFC 7143 7.1.3 / 11.17: bad PDUs get a Reject or a dropped
 * connection, never harm): at least {@value #MIN_PDUS} seeded random and mutated PDUs over at
 * most {@value #MAX_CONNECTIONS} loopback connections, half of them logged in first so the
 * full-feature phase is fuzzed too. Afterwards the node must still serve a normal session, and
 * its sessions, threads and sockets must come back down to where they were.
 */
class PortalFuzzIT {
  static final long SEED = 0xb10c_4a17L;
  static final int MIN_PDUS = 100_000;
  static final int MAX_CONNECTIONS = 4_000;
  static final int WORKERS = 4;
  static final Duration TIME_LIMIT = Duration.ofSeconds(150);

  @TempDir
  Path data;

  private final AtomicLong answered = new AtomicLong();
  private BlockraftNode node;
  private int port;

  @BeforeEach
  void startNode() throws Exception {
    ItSupport.requireTool("iscsi-inq", "libiscsi-bin");
    node = LocalCluster.start(data, ItSupport.freePort());
    port = node.portalPort();
  }

  @AfterEach
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void hundredThousandMalformedPdus_leaveTheNodeServing_andNothingLeaks() throws Exception {
    for (int i = 0; i < 24; i++) { // start every event loop and I/O thread before the baseline
      healthySession(1000 + i);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> node.sessionCount() == 0);
    int threadsBefore = threadCount();
    long socketsBefore = openSockets();

    AtomicLong pdus = new AtomicLong();
    AtomicInteger connections = new AtomicInteger();
    AtomicInteger closedByTarget = new AtomicInteger();
    Map<PduFuzzer.Kind, AtomicLong> kinds = new EnumMap<>(PduFuzzer.Kind.class);
    for (PduFuzzer.Kind k : PduFuzzer.Kind.values()) {
      kinds.put(k, new AtomicLong());
    }
    long deadline = System.nanoTime() + TIME_LIMIT.toNanos();
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS * 2);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      long seed = SEED + w;
      done.add(workers.submit(() -> {
        PduFuzzer fuzzer = new PduFuzzer(seed, LocalCluster.TARGET);
        while (pdus.get() < MIN_PDUS && connections.get() < MAX_CONNECTIONS
            && System.nanoTime() < deadline) {
          int c = connections.incrementAndGet();
          if (oneConnection(fuzzer, c, workers, pdus, kinds)) {
            closedByTarget.incrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(TIME_LIMIT.toSeconds() + 60, TimeUnit.SECONDS);
    }
    workers.shutdown();
    assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    System.out.printf("portal fuzz: %d PDUs over %d connections (%d closed by the target"
        + " mid-burst), %d bytes answered; %s%n", pdus.get(), connections.get(),
        closedByTarget.get(), answered.get(), kinds);

    assertThat(pdus.get()).as("PDUs thrown within %s", TIME_LIMIT).isGreaterThanOrEqualTo(MIN_PDUS);
    healthySession(1);
    String inq = ItSupport.runOk(Duration.ofSeconds(60), null, "iscsi-inq",
        "iscsi://127.0.0.1:" + port + "/" + LocalCluster.TARGET + "/0");
    assertThat(inq).contains("Vendor:");
    await("sessions, threads and sockets back down").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(node.sessionCount()).as("sessions").isZero();
          assertThat(threadCount()).as("JVM threads (before: %d)", threadsBefore)
              .isLessThanOrEqualTo(threadsBefore + 4);
          if (socketsBefore >= 0) {
            assertThat(openSockets()).as("open sockets (before: %d)", socketsBefore)
                .isLessThanOrEqualTo(socketsBefore + 2);
          }
        });
  }

  /**
   * One connection: maybe a real login first, then a burst of fuzz PDUs while a reader drains
   * whatever the target answers; then half-close and wait for the target to close. Returns true
   * when the target had closed the connection by itself before the burst ended.
   */
  private boolean oneConnection(PduFuzzer fuzzer, int id, ExecutorService readers, AtomicLong pdus,
      Map<PduFuzzer.Kind, AtomicLong> kinds) throws Exception {
    boolean loggedIn = false;
    try (LoopbackInitiator ini = new LoopbackInitiator(port, id)) {
      if (fuzzer.random().nextBoolean()) {
        try {
          loggedIn = ini.login(fuzzer.random().nextInt(4) == 0 ? null : LocalCluster.TARGET);
          fuzzer.cmdSn(ini.cmdSn);
        } catch (IOException e) {
          return true;
        }
      }
      Future<?> drain = readers.submit(() -> answered.addAndGet(drain(ini.input())));
      OutputStream out = ini.output();
      int burst = 1 + fuzzer.random().nextInt(200);
      boolean framed = loggedIn && fuzzer.random().nextBoolean();
      boolean closed = false;
      for (int i = 0; i < burst; i++) {
        byte[] pdu = fuzzer.next(loggedIn, framed);
        try {
          out.write(pdu);
        } catch (IOException e) {
          closed = true;
          break;
        }
        pdus.incrementAndGet();
        kinds.get(fuzzer.lastKind()).incrementAndGet();
      }
      try {
        out.flush();
        ini.socket.shutdownOutput();
      } catch (IOException e) {
        closed = true;
      }
      try {
        drain.get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        drain.cancel(true);
        throw new AssertionError("target kept connection " + id + " open 20 s after the"
            + " initiator half-closed it", e);
      }
      return closed;
    }
  }

  /** Reads and discards until the target closes (or resets) the connection; returns the bytes read. */
  private static long drain(InputStream in) {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    try {
      while (true) {
        try {
          int n = in.read(buf);
          if (n < 0) {
            return total;
          }
          total += n;
        } catch (SocketTimeoutException e) {
          // soTimeout of 10 s between reads: keep waiting, the caller bounds the total
        }
      }
    } catch (IOException e) {
      return total; // reset by the target: closed too
    }
  }

  /** Login, INQUIRY and READ(10) of LUN 0, logout: what a normal initiator does. */
  private void healthySession(int isid) throws IOException {
    try (LoopbackInitiator ini = new LoopbackInitiator(port, isid)) {
      assertThat(ini.login(LocalCluster.TARGET)).as("login accepted").isTrue();
      // a new I_T nexus first sees a unit attention (power on / reset): TEST UNIT READY clears it
      LoopbackInitiator.In tur = null;
      for (int i = 0; i < 3 && (tur == null || tur.u8(3) != 0); i++) {
        tur = ini.scsiRead(0, new byte[6], new byte[0]);
      }
      assertThat(tur.u8(3)).as("TEST UNIT READY status").isZero();
      byte[] inquiry = new byte[96];
      LoopbackInitiator.In r = ini.scsiRead(0, new byte[] {0x12, 0, 0, 0, 96, 0}, inquiry);
      assertThat(r.u8(3)).as("INQUIRY status").isZero();
      assertThat(inquiry[0] & 0x1f).as("peripheral device type").isZero();
      byte[] block = new byte[512];
      r = ini.scsiRead(0, new byte[] {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, block);
      assertThat(r.u8(3)).as("READ(10) status").isZero();
      assertThat(ini.logout().opcode()).as("Logout Response").isEqualTo(0x26);
    }
  }

  private static int threadCount() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** Sockets this JVM holds open (Linux /proc), or -1 where that cannot be seen. */
  private static long openSockets() {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return -1;
    }
    try (Stream<Path> s = Files.list(fds)) {
      return s.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().startsWith("socket:");
        } catch (IOException e) {
          return false;
        }
      }).count();
    } catch (IOException e) {
      return -1;
    }
  }
}
