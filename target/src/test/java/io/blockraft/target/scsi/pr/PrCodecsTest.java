package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrOutRequest.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.pr.PrOp.Kind;
import io.blockraft.target.scsi.pr.PrStateMachine.Ua;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The replicated reservation records: state ({@link PrStateCodec}), operation ({@link PrOp}) and
 * outcome ({@link PrOutcome}) round-trip exactly, and every truncation, trailing byte or flipped
 * byte is an IllegalArgumentException, never another exception.
 */
class PrCodecsTest {
  private static final String T = "iqn.2024-01.io.blockraft:t";
  private final ItNexus a = new ItNexus("iqn.a", new byte[] {0x40, 0, 1, 0x37, 0, 1}, T, 1, 1);
  private final ItNexus b = new ItNexus("iqn.b", new byte[] {0x40, 0, 1, 0x37, 0, 2}, T, 2, 2);

  private static PrState run(PrState s, ItNexus n, PrOutRequest r) {
    return PrStateMachine.apply(s, n, r).state();
  }

  /** Registrations through both nexuses (one ALL_TG_PT), APTPL, a WE_RO reservation. */
  private PrState populated() {
    PrState s = run(PrState.EMPTY, a, PrOutRequest.basic(REGISTER, 0, 0, 0xA, false, true));
    s = run(s, b, PrOutRequest.basic(REGISTER, 0, 0, 0xB, true, true));
    return run(s, a, PrOutRequest.basic(RESERVE, 5, 0xA, 0, false, false));
  }

  /** Every prefix and every one-byte extension of {@code good} fails to decode, cleanly. */
  private static void rejectsTruncationAndTrailingBytes(byte[] good, Function<byte[], ?> decode) {
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThatThrownBy(() -> decode.apply(cut)).as("cut at %d", len)
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> decode.apply(longer)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Flipping any byte decodes to something or fails with IllegalArgumentException only. */
  private static void survivesFlippedBytes(byte[] good, Function<byte[], ?> decode) {
    for (int i = 0; i < good.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = good.clone();
        bad[i] ^= (byte) (1 << bit);
        try {
          decode.apply(bad);
        } catch (IllegalArgumentException expected) {
          // fine
        }
      }
    }
  }

  @Test
  void state_roundTripsEveryField_withAndWithoutSpc2Holder() {
    ReservationState withPr = new ReservationState(populated(), null);
    assertThat(PrStateCodec.decode(PrStateCodec.encode(withPr))).isEqualTo(withPr);
    PrState all = run(PrState.EMPTY, a, PrOutRequest.basic(REGISTER, 0, 0, 5, true, true));
    all = run(all, a, PrOutRequest.basic(RESERVE, 8, 5, 0, false, false));
    ReservationState allRegs = new ReservationState(all, null);
    assertThat(PrStateCodec.decode(PrStateCodec.encode(allRegs))).isEqualTo(allRegs);

    ReservationState spc2 = ReservationState.EMPTY.withSpc2Holder(b);
    ReservationState back = PrStateCodec.decode(PrStateCodec.encode(spc2));
    assertThat(back).isEqualTo(spc2);
    assertThat(back.spc2Holder().relativeTargetPortId()).isEqualTo(2);
    assertThat(back.spc2Holder().isid()).isEqualTo(b.isid());
  }

  @Test
  void state_version1Record_ofOlderNodes_decodesWithoutSpc2Holder() {
    byte[] v2 = PrStateCodec.encode(new ReservationState(populated(), null));
    byte[] v1 = Arrays.copyOf(v2, v2.length - 1); // version 1 had no holder flag at the end
    v1[4] = 1;
    assertThat(PrStateCodec.decode(v1)).isEqualTo(new ReservationState(populated(), null));
  }

  @Test
  void state_rejectsGarbageTruncationAndTrailingBytes() {
    assertThatThrownBy(() -> PrStateCodec.decode(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrStateCodec.decode(null)).isInstanceOf(IllegalArgumentException.class);
    byte[] good = PrStateCodec.encode(new ReservationState(populated(), a));
    rejectsTruncationAndTrailingBytes(good, PrStateCodec::decode);
    survivesFlippedBytes(good, PrStateCodec::decode);
    byte[] future = good.clone();
    future[4] = 3; // an unknown version
    assertThatThrownBy(() -> PrStateCodec.decode(future)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void op_roundTripsEveryKindAndEveryRequestField() {
    PrOutRequest specIpt = new PrOutRequest(REGISTER, 0, 0, 0, 0x77, true, true, true,
        List.of(new TransportId("iqn.c", null), new TransportId("iqn.d", "400001370003")), false, 0);
    PrOutRequest move = new PrOutRequest(REGISTER_AND_MOVE, 0, 1, 0xA, 0xB, false, false, true,
        List.of(new TransportId("iqn.b", "400001370002")), true, 2);
    PrOutRequest preempt = PrOutRequest.basic(PREEMPT_AND_ABORT, 3, 0xA, 0xB, false, false);
    List<PrOp> ops = List.of(new PrOp(Kind.PR_OUT, a, specIpt), new PrOp(Kind.PR_OUT, b, move),
        new PrOp(Kind.PR_OUT, a, preempt), new PrOp(Kind.RESERVE, a, null),
        new PrOp(Kind.RELEASE, b, null), new PrOp(Kind.NEXUS_LOST, a, null),
        new PrOp(Kind.RESET, null, null), new PrOp(Kind.RESET, b, null),
        new PrOp(Kind.POWER_ON, null, null));
    for (PrOp op : ops) {
      assertThat(PrOp.decode(op.encode())).as(op.toString()).isEqualTo(op);
    }
  }

  @Test
  void op_rejectsGarbageTruncationTrailingBytesAndIncompleteOperations() {
    byte[] good = new PrOp(Kind.PR_OUT, a, new PrOutRequest(REGISTER, 0, 0, 0, 0x77, true, false,
        false, List.of(new TransportId("iqn.c", null)), false, 0)).encode();
    rejectsTruncationAndTrailingBytes(good, PrOp::decode);
    survivesFlippedBytes(good, PrOp::decode);
    assertThatThrownBy(() -> PrOp.decode(new byte[] {1, 99, 0}))
        .isInstanceOf(IllegalArgumentException.class); // unknown kind
    assertThatThrownBy(() -> PrOp.decode(new byte[] {1, 2, 0}))
        .isInstanceOf(IllegalArgumentException.class); // RESERVE without an issuer
    assertThatThrownBy(() -> new PrOp(Kind.PR_OUT, a, null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void outcome_roundTripsStatusSenseUnitAttentionsAndAborted() {
    Registrant ra = Registrant.of(a, false);
    Registrant rb = Registrant.of(b, true);
    List<PrOutcome> outcomes = List.of(PrOutcome.good(), PrOutcome.conflict(), PrOutcome.rejected(),
        PrOutcome.checkCondition(ScsiException.invalidCdbField(2, 3)),
        PrOutcome.checkCondition(ScsiException.invalidParameterField(24)),
        PrOutcome.checkCondition(new ScsiException(SenseReason.INSUFFICIENT_REGISTRATION_RESOURCES)),
        new PrOutcome(PrOutcome.Status.GOOD, null, -1, -1,
            List.of(new Ua(ra, SenseReason.REGISTRATIONS_PREEMPTED),
                new Ua(rb, SenseReason.RESERVATIONS_RELEASED)), List.of(ra, rb)));
    for (PrOutcome o : outcomes) {
      assertThat(PrOutcome.decode(o.encode())).isEqualTo(o);
    }
    rejectsTruncationAndTrailingBytes(outcomes.get(6).encode(), PrOutcome::decode);
    survivesFlippedBytes(outcomes.get(6).encode(), PrOutcome::decode);
  }

  @Test
  void outcome_givesTheIssuerTheSameSenseAsTheStateMachineThrew() {
    ScsiException thrown = ScsiException.invalidCdbField(2, 3);
    PrOutcome o = PrOutcome.decode(PrOutcome.checkCondition(thrown).encode());
    assertThatThrownBy(o::throwIfFailed).isInstanceOfSatisfying(ScsiException.class,
        e -> assertThat(e.toSense()).isEqualTo(thrown.toSense()));
    ScsiException param = ScsiException.invalidParameterField(24);
    PrOutcome p = PrOutcome.decode(PrOutcome.checkCondition(param).encode());
    assertThatThrownBy(p::throwIfFailed).isInstanceOfSatisfying(ScsiException.class,
        e -> assertThat(e.toSense()).isEqualTo(param.toSense()));
  }
}
