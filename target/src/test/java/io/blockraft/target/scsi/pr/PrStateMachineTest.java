package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrOutRequest.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.pr.PrStateMachine.Transition;
import io.blockraft.target.scsi.pr.PrStateMachine.Ua;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure SPC-4 5.13 transition function, without any LU, lock or I/O. */
class PrStateMachineTest {
  private static final String T = "iqn.2024-01.io.blockraft:t";
  private final ItNexus a = nexus("iqn.a");
  private final ItNexus b = nexus("iqn.b");
  private final ItNexus c = nexus("iqn.c");

  private static ItNexus nexus(String name) {
    return new ItNexus(name, new byte[] {0x40, 0, 1, 0x37, 0, 0}, T, 1, 1);
  }

  private static PrOutRequest req(int sa, int type, long key, long sark) {
    return PrOutRequest.basic(sa, type, key, sark, false, false);
  }

  private static PrState run(PrState s, ItNexus n, PrOutRequest r) {
    return PrStateMachine.apply(s, n, r).state();
  }

  private PrState registered(long... keys) {
    PrState s = PrState.EMPTY;
    ItNexus[] ns = {a, b, c};
    for (int i = 0; i < keys.length; i++) {
      s = run(s, ns[i], req(REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, keys[i]));
    }
    return s;
  }

  @Test
  void register_bumpsGeneration_reserveAndReleaseDoNot() {
    PrState s = registered(1, 2);
    assertThat(s.generation()).isEqualTo(2);
    s = run(s, a, req(RESERVE, 1, 1, 0));
    assertThat(s.generation()).isEqualTo(2);
    s = run(s, a, req(RELEASE, 1, 1, 0));
    assertThat(s.generation()).isEqualTo(2);
    assertThat(s.reservation()).isNull();
  }

  @Test
  void failedRequest_leavesStateUntouched() {
    PrState s = registered(1);
    assertThatThrownBy(() -> PrStateMachine.apply(s, b, req(RESERVE, 1, 0, 0)))
        .isInstanceOf(ReservationConflictException.class);
    assertThat(s.generation()).isEqualTo(1);
    assertThat(s.reservation()).isNull();
  }

  @Test
  void noOp_returnsTheSameStateObject() {
    PrState s = registered(1);
    assertThat(PrStateMachine.apply(s, b, req(REGISTER, 0, 0, 0)).state()).isSameAs(s);
    assertThat(PrStateMachine.apply(s, a, req(RELEASE, 1, 1, 0)).state()).isSameAs(s);
  }

  @Test
  void clear_givesReservationsPreemptedToEveryOtherRegistrant() {
    PrState s = run(registered(1, 2, 3), a, req(RESERVE, 3, 1, 0));
    Transition t = PrStateMachine.apply(s, b, req(CLEAR, 0, 2, 0));
    assertThat(t.state().registrations()).isEmpty();
    assertThat(t.state().reservation()).isNull();
    assertThat(t.unitAttentions()).extracting(Ua::reason)
        .containsOnly(SenseReason.RESERVATIONS_PREEMPTED).hasSize(2);
    assertThat(t.unitAttentions()).extracting(u -> u.target().initiatorName())
        .containsExactlyInAnyOrder("iqn.a", "iqn.c");
  }

  @Test
  void preemptHolderWithNewType_releasedUaToSurvivors_preemptedUaToRemoved() {
    PrState s = run(registered(1, 2, 3), a, req(RESERVE, 1, 1, 0));
    Transition t = PrStateMachine.apply(s, b, req(PREEMPT, 3, 2, 1));
    assertThat(t.state().reservation().type()).isEqualTo(PrType.EXCLUSIVE_ACCESS);
    assertThat(t.state().isHolder(b)).isTrue();
    assertThat(t.state().find(a)).isNull();
    assertThat(t.unitAttentions()).containsExactlyInAnyOrder(
        new Ua(Registrant.of(a, false), SenseReason.REGISTRATIONS_PREEMPTED),
        new Ua(Registrant.of(c, false), SenseReason.RESERVATIONS_RELEASED));
    assertThat(t.aborted()).isEmpty();
  }

  @Test
  void preemptSameType_noReleasedUa_andPreemptAndAbortReportsWhomToAbort() {
    PrState s = run(registered(1, 2, 3), a, req(RESERVE, 1, 1, 0));
    Transition t = PrStateMachine.apply(s, b, req(PREEMPT_AND_ABORT, 1, 2, 1));
    assertThat(t.unitAttentions()).containsExactly(
        new Ua(Registrant.of(a, false), SenseReason.REGISTRATIONS_PREEMPTED));
    assertThat(t.aborted()).containsExactly(Registrant.of(a, false));
  }

  @Test
  void preemptAllRegistrantsWithZeroKey_removesEveryoneElse() {
    PrState s = run(registered(1, 2, 3), a, req(RESERVE, 8, 1, 0));
    Transition t = PrStateMachine.apply(s, b, req(PREEMPT, 3, 2, 0));
    assertThat(t.state().registrations()).hasSize(1);
    assertThat(t.state().reservation().type()).isEqualTo(PrType.EXCLUSIVE_ACCESS);
    assertThat(t.state().isHolder(b)).isTrue();
  }

  @Test
  void preemptAllRegistrantsWithKey_removesOnlyThatRegistration_keepsReservation() {
    PrState s = run(registered(1, 2, 3), a, req(RESERVE, 7, 1, 0));
    PrState next = run(s, b, req(PREEMPT, 1, 2, 3));
    assertThat(next.registrations()).hasSize(2);
    assertThat(next.reservation().type()).isEqualTo(PrType.WRITE_EXCLUSIVE_ALL_REGISTRANTS);
  }

  @Test
  void preemptOwnKeyAsHolder_changesType() {
    PrState s = run(registered(1, 2), a, req(RESERVE, 1, 1, 0));
    PrState next = run(s, a, req(PREEMPT, 3, 1, 1));
    assertThat(next.reservation().type()).isEqualTo(PrType.EXCLUSIVE_ACCESS);
    assertThat(next.registrations()).hasSize(2);
  }

  @Test
  void preemptInvalidTypeWhenReservationIsPreempted_isInvalidFieldInCdb() {
    PrState s = run(registered(1, 2), a, req(RESERVE, 1, 1, 0));
    assertThatThrownBy(() -> PrStateMachine.apply(s, b, req(PREEMPT, 0, 2, 1)))
        .isInstanceOfSatisfying(ScsiException.class,
            e -> assertThat(e.reason()).isEqualTo(SenseReason.INVALID_FIELD_IN_CDB));
  }

  @Test
  void unregisterLastAllRegistrant_releasesReservation() {
    PrState s = run(registered(1), a, req(RESERVE, 7, 1, 0));
    PrState next = run(s, a, req(REGISTER, 0, 1, 0));
    assertThat(next.registrations()).isEmpty();
    assertThat(next.reservation()).isNull();
  }

  @Test
  void registerAndMove_toAllRegistrantsReservation_isConflict() {
    PrState s = run(registered(1), a, req(RESERVE, 7, 1, 0));
    PrOutRequest move = new PrOutRequest(REGISTER_AND_MOVE, 0, 0, 1, 2, false, false, false,
        List.of(new TransportId("iqn.b", null)), false, 1);
    assertThatThrownBy(() -> PrStateMachine.apply(s, a, move))
        .isInstanceOf(ReservationConflictException.class);
  }
}
