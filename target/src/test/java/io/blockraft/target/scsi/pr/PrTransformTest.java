package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrOutRequest.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.replication.MetaTransform;
import io.blockraft.replication.MetaTransforms;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.pr.PrOp.Kind;
import io.blockraft.target.scsi.pr.PrOutcome.Status;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PrTransform} as every replica runs it: deterministic (the same log gives the same bytes
 * and results on every replica), never throwing, and with the SPC-2 / SPC-4 5.13.5 semantics of
 * the operations that are not PERSISTENT RESERVE OUT.
 */
class PrTransformTest {
  private static final String T = "iqn.2024-01.io.blockraft:t";
  private final ItNexus a = nexus("iqn.a", 1);
  private final ItNexus b = nexus("iqn.b", 1);
  private final ItNexus c = nexus("iqn.c", 2);
  private final ItNexus a2 = nexus("iqn.a", 2); // a's initiator port through node 2

  private static ItNexus nexus(String name, int node) {
    return new ItNexus(name, new byte[] {0x40, 0, 1, 0x37, 0, 0}, T, node, node);
  }

  /** One replica's copy: its own transform instance and its own stored value. */
  private static final class Replica {
    final MetaTransform transform = PrTransform.register(new MetaTransforms()).get(PrTransform.KEY);
    byte[] value;

    byte[] apply(byte[] op) {
      MetaTransform.Outcome o = transform.apply(value, op);
      value = o.value();
      return o.result();
    }

    ReservationState state() {
      return PrTransform.valueOf(value);
    }
  }

  private static byte[] prOut(ItNexus n, int sa, int type, long key, long sark, boolean allTgPt,
      boolean aptpl) {
    return new PrOp(Kind.PR_OUT, n, PrOutRequest.basic(sa, type, key, sark, allTgPt, aptpl)).encode();
  }

  private static byte[] op(Kind kind, ItNexus n) {
    return new PrOp(kind, n, null).encode();
  }

  private static PrOutcome outcome(byte[] result) {
    return PrOutcome.decode(result);
  }

  /** A seeded random operation over four nexuses on two nodes and a handful of keys. */
  private byte[] randomOp(Random rnd) {
    ItNexus[] ns = {a, b, c, a2};
    ItNexus n = ns[rnd.nextInt(ns.length)];
    int pick = rnd.nextInt(10);
    if (pick < 6) {
      int[] types = {0, 1, 3, 5, 6, 7, 8, 2};
      return prOut(n, rnd.nextInt(8), types[rnd.nextInt(types.length)], rnd.nextInt(4),
          rnd.nextInt(4), rnd.nextInt(5) == 0, rnd.nextBoolean());
    }
    Kind[] kinds = {Kind.RESERVE, Kind.RELEASE, Kind.NEXUS_LOST, Kind.RESET};
    return op(kinds[pick - 6], n);
  }

  @Test
  void sameLogOnTwoReplicas_givesIdenticalBytesAndResults_andKeepsTheInvariants() {
    Replica one = new Replica();
    Replica two = new Replica();
    Random rnd = new Random(20240101);
    int changed = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] op = randomOp(rnd);
      byte[] before = one.value;
      byte[] r1 = one.apply(op);
      byte[] r2 = two.apply(op.clone());
      assertThat(r2).as("result of op %d", i).isEqualTo(r1);
      assertThat(two.value).as("value after op %d", i).isEqualTo(one.value);
      if (one.value != before) {
        changed++;
      }
      ReservationState s = one.state();
      // SPC-2 5.5.1 / SPC-4 5.13.3: an SPC-2 reservation and registrations never coexist
      assertThat(s.spc2Holder() == null || s.pr().registrations().isEmpty()).isTrue();
      // one holder at most, and a registered one (SPC-4 5.13.9)
      if (s.pr().reservation() != null && s.pr().reservation().holder() != null) {
        assertThat(s.pr().holderRegistration()).isNotNull();
      }
    }
    assertThat(changed).as("the walk changed the state often").isGreaterThan(100);
    // a replica that replays the whole log later ends in the same place: a third, fresh one
    Replica late = new Replica();
    Random again = new Random(20240101);
    for (int i = 0; i < 3000; i++) {
      late.apply(randomOp(again));
    }
    assertThat(late.value).isEqualTo(one.value);
  }

  @Test
  void undecodableOperation_changesNothing_andSaysSo() {
    Replica r = new Replica();
    r.apply(prOut(a, REGISTER, 0, 0, 0xA, false, false));
    byte[] before = r.value;
    MetaTransform.Outcome o = r.transform.apply(before, new byte[] {1, 2, 3});
    assertThat(o.value()).isSameAs(before);
    assertThat(outcome(o.result()).status()).isEqualTo(Status.REJECTED);
    MetaTransform.Outcome empty = r.transform.apply(before, new byte[0]);
    assertThat(empty.value()).isSameAs(before);
  }

  @Test
  void failedOrNoOpRequests_storeNothing() {
    Replica r = new Replica();
    r.apply(prOut(a, REGISTER, 0, 0, 0xA, false, false));
    byte[] before = r.value;
    PrOutcome wrongKey = outcome(r.apply(prOut(a, RESERVE, 1, 0x99, 0, false, false)));
    assertThat(wrongKey.status()).isEqualTo(Status.RESERVATION_CONFLICT);
    PrOutcome badType = outcome(r.apply(prOut(a, RESERVE, 2, 0xA, 0, false, false)));
    assertThat(badType.status()).isEqualTo(Status.CHECK_CONDITION);
    assertThat(badType.reason()).isEqualTo(SenseReason.INVALID_FIELD_IN_CDB);
    r.apply(op(Kind.NEXUS_LOST, b));
    r.apply(op(Kind.RESET, null));
    assertThat(r.value).isSameAs(before);
  }

  @Test
  void spc2Reservation_conflictsWithPersistentReserveOut_andGoesWithItsNexusOrAReset() {
    Replica r = new Replica();
    assertThat(outcome(r.apply(op(Kind.RESERVE, a))).status()).isEqualTo(Status.GOOD);
    assertThat(r.state().spc2Holder()).isEqualTo(a);
    assertThat(outcome(r.apply(op(Kind.RESERVE, c))).status()).isEqualTo(Status.RESERVATION_CONFLICT);
    assertThat(outcome(r.apply(prOut(a, REGISTER, 0, 0, 1, false, false))).status())
        .isEqualTo(Status.RESERVATION_CONFLICT);
    r.apply(op(Kind.NEXUS_LOST, a2)); // another nexus of the same initiator port: not the holder
    assertThat(r.state().spc2Holder()).isEqualTo(a);
    r.apply(op(Kind.NEXUS_LOST, a));
    assertThat(r.value).isNull();
    r.apply(op(Kind.RESERVE, c));
    r.apply(op(Kind.RESET, null));
    assertThat(r.value).isNull();
  }

  @Test
  void powerOn_withoutAptpl_clearsEverything_withAptpl_onlyTheSpc2Reservation() {
    Replica r = new Replica();
    r.apply(prOut(a, REGISTER, 0, 0, 0xA, false, false));
    r.apply(prOut(a, RESERVE, 1, 0xA, 0, false, false));
    assertThat(outcome(r.apply(op(Kind.POWER_ON, null))).status()).isEqualTo(Status.GOOD);
    assertThat(r.value).isNull();

    r.apply(prOut(a, REGISTER, 0, 0, 0xA, false, true));
    r.apply(prOut(a, RESERVE, 1, 0xA, 0, false, false));
    ReservationState kept = r.state();
    r.apply(op(Kind.POWER_ON, null));
    assertThat(r.state()).isEqualTo(kept);

    Replica holder = new Replica();
    holder.apply(prOut(a, REGISTER, 0, 0, 0xA, false, true));
    holder.apply(prOut(a, REGISTER, 0, 0xA, 0, false, true)); // unregistered, APTPL stays set
    holder.apply(op(Kind.RESERVE, b));
    assertThat(holder.state().pr().aptpl()).isTrue();
    assertThat(holder.state().spc2Holder()).isEqualTo(b);
    holder.apply(op(Kind.POWER_ON, null));
    assertThat(holder.state().spc2Holder()).isNull();
    assertThat(holder.state().pr().aptpl()).isTrue();
  }

  @Test
  void preemptAndAbort_result_namesTheAbortedRegistrations_andTheirUnitAttentions() {
    Replica r = new Replica();
    r.apply(prOut(a, REGISTER, 0, 0, 0xA, false, false));
    r.apply(prOut(c, REGISTER, 0, 0, 0xC, true, false));
    r.apply(prOut(c, RESERVE, 1, 0xC, 0, false, false));
    PrOutcome o = outcome(r.apply(prOut(a, PREEMPT_AND_ABORT, 3, 0xA, 0xC, false, false)));
    assertThat(o.status()).isEqualTo(Status.GOOD);
    List<Registrant> expected = new ArrayList<>(List.of(Registrant.of(c, true)));
    assertThat(o.aborted()).isEqualTo(expected);
    assertThat(o.unitAttentions()).extracting(PrStateMachine.Ua::reason)
        .containsExactly(SenseReason.REGISTRATIONS_PREEMPTED);
    assertThat(r.state().pr().isHolder(a)).isTrue();
  }
}
