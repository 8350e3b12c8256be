package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrCdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskAttribute;
import io.blockraft.target.scsi.TaskIo;
import io.blockraft.target.scsi.TaskSetAborter;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * SPC-4 5.13.11.2.5 PREEMPT AND ABORT through the dispatcher: the {@link TaskSetAborter} is asked
 * to abort the tasks on the LU of exactly the I_T nexuses registered with the preempted key, and the
 * PERSISTENT RESERVE OUT completes only once that abort has.
 */
class PreemptAndAbortTest {
  private static final String B_NAME = "iqn.2024-01.test:b";
  private final ScsiHarness h = ScsiHarness.create(512, 2048, false);
  private final PrCdbs pr = new PrCdbs(h);
  private final ItNexus a = h.nexus("iqn.2024-01.test:a");
  private final ItNexus b = h.nexus(B_NAME);
  private final ItNexus b2 = secondPort(B_NAME);
  private final ItNexus c = h.nexus("iqn.2024-01.test:c");
  private final ItNexus stranger = h.nexus("iqn.2024-01.test:unregistered");
  private final RecordingAborter aborter = new RecordingAborter();

  PreemptAndAbortTest() {
    h.target().setTaskSetAborter(aborter);
  }

  /** One call of the aborter; its future is the test's to complete. */
  private record Call(ScsiTask issuingTask, Predicate<ItNexus> nexuses, CompletableFuture<Void> done) {}

  private static final class RecordingAborter implements TaskSetAborter {
    final List<Call> calls = new ArrayList<>();

    @Override
    public CompletableFuture<Void> abortTaskSets(ScsiTask issuingTask, Predicate<ItNexus> nexuses) {
      Call call = new Call(issuingTask, nexuses, new CompletableFuture<>());
      calls.add(call);
      return call.done;
    }
  }

  /** A PERSISTENT RESERVE OUT in flight: its task and the response once it completes. */
  private record Pending(ScsiTask task, CompletableFuture<ScsiResponse> response) {}

  /** Starts PERSISTENT RESERVE OUT without waiting for it (the harness's run() would block). */
  private Pending startProut(ItNexus n, int sa, int type, long key, long sark) {
    byte[] param = basic(key, sark, 0);
    byte[] cdb = Arrays.copyOf(prout(sa, type, param.length), 16);
    ScsiTask task = new ScsiTask(n, Lun.encode(0), cdb, param.length, false, true,
        TaskAttribute.SIMPLE, 4242);
    CompletableFuture<ScsiResponse> response = new CompletableFuture<>();
    h.target().execute(task, new TaskIo() {
      @Override
      public CompletableFuture<ByteBuf> dataOut(int length) {
        return CompletableFuture.completedFuture(Unpooled.copiedBuffer(param, 0, length));
      }

      @Override
      public void complete(ScsiResponse r) {
        response.complete(r);
      }

      @Override
      public boolean isAborted() {
        return false;
      }
    });
    return new Pending(task, response);
  }

  private ItNexus secondPort(String initiator) {
    ItNexus n = h.newNexus(initiator, new byte[] {0x40, 0x00, 0x01, 0x37, 0x00, 0x02});
    h.drainUnitAttentions(n);
    return n;
  }

  private void register(ItNexus n, long key) {
    assertThat(pr.registerAndIgnore(n, key).good()).isTrue();
  }

  /** The one abort the PERSISTENT RESERVE OUT {@code p} asked the transport for. */
  private Call onlyCall(Pending p) {
    assertThat(aborter.calls).hasSize(1);
    Call call = aborter.calls.get(0);
    assertThat(call.issuingTask()).isSameAs(p.task());
    return call;
  }

  private static int status(Pending p) {
    return p.response().join().status();
  }

  @Test
  void preemptAndAbort_abortsExactlyThePreemptedNexuses_andAnswersOnlyOnceTheyStopped() {
    register(a, 0xA);
    register(b, 0xB);
    register(b2, 0xB);
    register(c, 0xC);
    assertThat(pr.reserve(b, 0xB, WE).good()).isTrue();

    Pending p = startProut(a, PrOutRequest.PREEMPT_AND_ABORT, WE, 0xA, 0xB);

    Call call = onlyCall(p);
    assertThat(call.issuingTask().lun()).isEqualTo(Lun.encode(0));
    assertThat(List.of(a, b, b2, c, stranger)).filteredOn(call.nexuses())
        .containsExactlyInAnyOrder(b, b2);
    assertThat(p.response()).as("GOOD only after the aborted tasks stopped").isNotDone();

    call.done().complete(null);
    assertThat(status(p)).isEqualTo(ScsiStatus.GOOD);
    // the preemption itself and its unit attentions are PREEMPT's
    assertThat(pr.readReservation(a).u64(8)).isEqualTo(0xA);
    assertThat(pr.testUnitReady(b).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    assertThat(pr.testUnitReady(b2).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
    assertThat(pr.testUnitReady(c).good()).isTrue();
  }

  @Test
  void preemptAndAbort_ofRegistrationsOnly_withoutAReservation_abortsThem() {
    register(a, 0xA);
    register(b, 0xB);
    register(c, 0xC);

    Pending p = startProut(a, PrOutRequest.PREEMPT_AND_ABORT, 0, 0xA, 0xC);

    Call call = onlyCall(p);
    assertThat(List.of(a, b, c, stranger)).filteredOn(call.nexuses()).containsExactly(c);
    call.done().complete(null);
    assertThat(status(p)).isEqualTo(ScsiStatus.GOOD);
  }

  @Test
  void preempt_withoutAbort_abortsNothing() {
    register(a, 0xA);
    register(b, 0xB);
    assertThat(pr.reserve(b, 0xB, WE).good()).isTrue();

    Pending p = startProut(a, PrOutRequest.PREEMPT, WE, 0xA, 0xB);

    assertThat(status(p)).isEqualTo(ScsiStatus.GOOD);
    assertThat(aborter.calls).isEmpty();
    assertThat(pr.testUnitReady(b).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
  }

  @Test
  void preemptAndAbort_ofTheIssuersOwnKey_abortsEveryNexusWithThatKey_theIssuerToo() {
    register(a, 0xAB);
    register(b, 0xAB); // the same key on another I_T nexus
    register(c, 0xC);
    assertThat(pr.reserve(a, 0xAB, WE).good()).isTrue();

    // the holder preempts its own key to change the type: b's registration goes, a's stays, and
    // SPC-4 5.12.11.2.6 aborts on every nexus registered with the key (the transport spares the
    // PERSISTENT RESERVE OUT itself)
    Pending p = startProut(a, PrOutRequest.PREEMPT_AND_ABORT, EA, 0xAB, 0xAB);

    Call call = onlyCall(p);
    assertThat(List.of(a, b, c, stranger)).filteredOn(call.nexuses())
        .containsExactlyInAnyOrder(a, b);
    call.done().complete(null);
    assertThat(status(p)).isEqualTo(ScsiStatus.GOOD);
    assertThat(pr.readReservation(a).u8(21)).isEqualTo(EA);
  }

  @Test
  void preemptAndAbort_ofOnlyTheIssuersKey_abortsOnlyOnTheIssuer() {
    register(a, 0xA);
    register(b, 0xB);

    Pending p = startProut(a, PrOutRequest.PREEMPT_AND_ABORT, 0, 0xA, 0xA);

    Call call = onlyCall(p);
    assertThat(List.of(a, b, stranger)).filteredOn(call.nexuses()).containsExactly(a);
    call.done().complete(null);
    assertThat(status(p)).isEqualTo(ScsiStatus.GOOD);
    assertThat(pr.readKeys(a).u32(4)).isEqualTo(16); // both keys still registered
  }

  @Test
  void preemptAndAbort_thatFails_abortsNothing() {
    register(a, 0xA);
    register(b, 0xB);

    // wrong RESERVATION KEY: RESERVATION CONFLICT, nothing changes
    assertThat(status(startProut(a, PrOutRequest.PREEMPT_AND_ABORT, 0, 0x99, 0xB)))
        .isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
    // SARK registered by nobody: RESERVATION CONFLICT
    assertThat(status(startProut(a, PrOutRequest.PREEMPT_AND_ABORT, 0, 0xA, 0x77)))
        .isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
    assertThat(aborter.calls).isEmpty();
    assertThat(pr.readKeys(a).u32(4)).isEqualTo(16);
  }

  @Test
  void withoutATransport_preemptAndAbortStillPreempts() {
    h.target().setTaskSetAborter(TaskSetAborter.NONE);
    register(a, 0xA);
    register(b, 0xB);

    assertThat(status(startProut(a, PrOutRequest.PREEMPT_AND_ABORT, 0, 0xA, 0xB)))
        .isEqualTo(ScsiStatus.GOOD);
    assertThat(pr.testUnitReady(b).is(SenseReason.REGISTRATIONS_PREEMPTED)).isTrue();
  }
}
