package io.blockraft.target.scsi.pr;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.pr.PrOp.Kind;
import io.blockraft.target.scsi.pr.PrState.Registration;
import io.blockraft.target.scsi.pr.PrState.Reservation;
import io.blockraft.target.scsi.pr.PrStateMachine.Ua;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reservation state of one LU: SPC-4 5.13 persistent reservations and SPC-2 7.21/7.17
 * RESERVE/RELEASE reservations, with the SPC-4 5.13.3 exceptions (CRH=1) between the two.
 *
 * <p>Replicated: every change (PERSISTENT RESERVE OUT, RESERVE, RELEASE, the SPC-2 holder's
 * nexus loss, LU/target reset, power on) is one {@link PrOp} through
 * {@code volume.transformMeta("pr", op)}, evaluated by {@link PrTransform} at apply time on every
 * replica, so every node holds the same {@link ReservationState}. This class never changes its
 * snapshot on its own: the listener it gives {@code watchMeta} hears every applied operation, from
 * any node, in log order, on every node, and there swaps the snapshot, establishes the
 * unit attentions for this node's I_T nexuses (never the issuer's), for a PREEMPT AND ABORT
 * issued at another node aborts this node's tasks of the named registrations
 * ({@link PreemptAborts}), and for a reset issued at another node raises the reset's unit
 * attention on this node's nexuses and clears PREVENT (SAM-5 6.3.3; the issuing node did both
 * at once, {@link #reset}). {@link #conflicts} reads the snapshot without locking: it runs for
 * every command.
 *
 * <p>The SPC-2 reservation belongs to one I_T nexus and is released by RELEASE from that nexus,
 * by its loss, and by LOGICAL UNIT RESET / target reset. While it exists every PERSISTENT RESERVE
 * IN/OUT conflicts (SPC-2 5.5.1) and other I_T nexuses may only run the commands SPC-2 Table B.1
 * allows (INQUIRY, REQUEST SENSE, REPORT LUNS, RELEASE, LOG SENSE, READ CAPACITY, ...).
 *
 * <p>APTPL and power loss (SPC-4 5.13.5): the state is always replicated, whatever APTPL says,
 * because a reservation must hold on every node of the cluster. In a cluster a node restart is not
 * a power loss of the LU (the LU lives on in the other replicas), so the state simply survives
 * it. A single node's restart is the LU's power cycle: the node then calls
 * {@link #powerOnWithoutAptpl}, which drops what SPC-4 says does not survive it (without APTPL
 * every registration and the reservation; the SPC-2 reservation always).
 */
public final class Reservations {
  private static final Logger log = LoggerFactory.getLogger(Reservations.class);

  private final LogicalUnit lu;
  /** The snapshot; set by the listener only (and once, first, by the constructor). */
  private final AtomicReference<ReservationState> current = new AtomicReference<>();
  /** This node's I_T nexuses that addressed this LU: where unit attentions go. */
  private final Set<ItNexus> knownNexuses = ConcurrentHashMap.newKeySet();
  /** This node's nexuses that sent RESERVE: their loss may release the SPC-2 reservation. */
  private final Set<ItNexus> reserving = ConcurrentHashMap.newKeySet();
  private final PreemptAborts aborts = new PreemptAborts();
  /**
   * Resets issued at this node and not yet heard back from the log, by issuer (a nexus of this
   * node, so every reset it issues is local): their effects here were applied at once. An entry
   * left by a reset that never reached the log stays; it only ever names a local nexus.
   */
  private final Map<ItNexus, Integer> resetsIssuedHere = new ConcurrentHashMap<>();

  /** Starts watching the volume's reservation state (the value it has now is the first snapshot). */
  public Reservations(LogicalUnit lu) {
    this.lu = lu;
    ReplicatedVolume v = lu.volume();
    ReservationState first = initial(v.name(), v.watchMeta(PrTransform.KEY, this::applied));
    current.compareAndSet(null, first); // unless an operation was applied meanwhile
    v.onReplicaUnresponsive(this::replicaUnresponsive);
  }

  private static ReservationState initial(String volume, byte[] value) {
    ReservationState s = decode(volume, value);
    if (!s.isEmpty()) {
      log.info("volume {}: reservations restored: {} registrations, {}{}", volume,
          s.pr().registrations().size(),
          s.pr().reservation() == null ? "no reservation" : "reservation " + s.pr().reservation().type(),
          s.spc2Holder() == null ? "" : ", SPC-2 reservation of " + s.spc2Holder());
    }
    return s;
  }

  /** As {@link PrTransform#valueOf}, which the replicas used: undecodable is empty. */
  private static ReservationState decode(String volume, byte[] value) {
    if (value == null) {
      return ReservationState.EMPTY;
    }
    try {
      return PrStateCodec.decode(value);
    } catch (IllegalArgumentException e) {
      log.warn("volume {}: reservation state not understood, taken as empty: {}", volume, e.toString());
      return ReservationState.EMPTY;
    }
  }

  /** The current persistent reservation state (a snapshot). */
  public PrState state() {
    return current.get().pr();
  }

  /** The I_T nexus holding an SPC-2 RESERVE reservation, or null. */
  public ItNexus spc2Holder() {
    return current.get().spc2Holder();
  }

  /** This LU is served as {@code lun} of {@code target} (where PREEMPT AND ABORT aborts tasks). */
  public void mappedAt(ScsiTarget target, int lun) {
    aborts.mappedAt(target, lun);
  }

  /** True when a command of class {@code cc} from {@code nexus} must get RESERVATION CONFLICT. */
  public boolean conflicts(ItNexus nexus, ConflictClass cc, byte[] cdb) {
    knownNexuses.add(nexus);
    return conflicts(current.get(), nexus, cc, cdb);
  }

  /**
   * The bytes that name {@code nexus} as the issuer of a data change ({@link PrWriteGuard}),
   * made once per nexus and forgotten with it ({@link #nexusLost}).
   */
  public byte[] issuer(ItNexus nexus) {
    return issuers.computeIfAbsent(nexus, PrWriteGuard::issuer);
  }

  private final Map<ItNexus, byte[]> issuers = new ConcurrentHashMap<>();

  /**
   * True when a data change (any command that writes the medium) from {@code nexus} must get
   * RESERVATION CONFLICT: the tables' row for WRITE(16). Also the apply-time verdict of {@link
   * PrWriteGuard}, so both judge a change alike.
   */
  public boolean refusesDataChange(ItNexus nexus) {
    knownNexuses.add(nexus);
    return refusesDataChange(current.get(), nexus);
  }

  static boolean refusesDataChange(ReservationState snapshot, ItNexus nexus) {
    return conflicts(snapshot, nexus, ConflictClass.WRITE, WRITE_16);
  }

  /** A WRITE(16) CDB: the row a data change is judged by. */
  private static final byte[] WRITE_16 = {(byte) 0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  /** The reservation tables: does {@code snapshot} refuse a command of class {@code cc}? */
  static boolean conflicts(ReservationState snapshot, ItNexus nexus, ConflictClass cc, byte[] cdb) {
    ItNexus holder2 = snapshot.spc2Holder();
    if (holder2 != null) {
      int op = cdb[0] & 0xff;
      if (op == PrCommands.PERSISTENT_RESERVE_IN || op == PrCommands.PERSISTENT_RESERVE_OUT) {
        return true; // SPC-2 5.5.1: regardless of initiator
      }
      return !holder2.equals(nexus) && !ReservationRules.allowedUnderSpc2Reservation(cdb);
    }
    PrState s = snapshot.pr();
    Reservation res = s.reservation();
    if (res == null || cc == ConflictClass.NEVER || ReservationRules.allowedUnderAnyReservation(cdb)) {
      return false;
    }
    Registration reg = s.find(nexus);
    if (s.isHolder(reg)) {
      return false;
    }
    if (reg != null && res.type().admitsRegistrants()) {
      return false; // registrants share access under the RO / AR types
    }
    switch (cc) {
      case READ:
        return res.type().exclusiveAccess;
      case WRITE:
      case ALWAYS:
      default:
        return true;
    }
  }

  /**
   * Applies one PERSISTENT RESERVE OUT. Completes once applied on this node, with the
   * registrations whose I_T nexuses' tasks a PREEMPT AND ABORT aborts on this node's issuing
   * target (the caller does, sparing the command; {@link PrStateMachine.Transition#aborted}; empty
   * for everything else); fails with {@link ReservationConflictException} or a ScsiException,
   * the state unchanged.
   */
  public CompletableFuture<List<Registrant>> persistentReserveOut(ItNexus nexus,
      PrOutRequest request) {
    knownNexuses.add(nexus);
    return everywhere(submit(new PrOp(Kind.PR_OUT, nexus, request)).thenApply(PrOutcome::aborted));
  }

  /**
   * Completes as {@code applied} does, but only once every other replica has applied the change
   * too: then a command that reaches any node after the initiator heard GOOD is checked against
   * the new state there (a PREEMPT fences on every path), and a reset's unit attention is up on
   * every node. A replica whose node is down is given up at once, one cut off by the network
   * after {@link #SPREAD_MILLIS}.
   * A data change already in flight at another node when the change commits was checked there
   * against the state before it; it is judged again where it applies ({@link PrWriteGuard}).
   */
  private <T> CompletableFuture<T> everywhere(CompletableFuture<T> applied) {
    return applied.thenCompose(v -> lu.volume().awaitReplicas(SPREAD_MILLIS).thenApply(all -> {
      if (!all) {
        log.info("volume {}: reservation change or reset not confirmed applied by every replica within {} ms",
            lu.volume().name(), SPREAD_MILLIS);
      }
      return v;
    }));
  }

  /** Longest a reservation change or reset waits for a replica that does not answer (cut off). */
  static final long SPREAD_MILLIS = 1000;

  /**
   * SPC-2 RESERVE(6)/(10) of the whole LU, with the SPC-4 5.13.3 exceptions ({@link PrTransform}).
   * Completes once applied on this node; fails with {@link ReservationConflictException}.
   */
  public CompletableFuture<Void> reserve(ItNexus nexus) {
    knownNexuses.add(nexus);
    reserving.add(nexus);
    return everywhere(submit(new PrOp(Kind.RESERVE, nexus, null)).thenApply(o -> null));
  }

  /**
   * SPC-2 RELEASE(6)/(10): releases the reservation held by this nexus; from any other nexus it
   * does nothing (GOOD). With registrations present, the SPC-4 5.13.3 exceptions apply.
   */
  public CompletableFuture<Void> release(ItNexus nexus) {
    knownNexuses.add(nexus);
    return everywhere(submit(new PrOp(Kind.RELEASE, nexus, null)).thenApply(o -> null));
  }

  /**
   * The nexus went away: SPC-2 reservations are released on I_T nexus loss (PRs stay). Replicated
   * only when the nexus holds one or asked for one; completes (never exceptionally) once applied
   * on every live replica, so a logout can answer after the release is visible on every path.
   */
  public CompletableFuture<Void> nexusLost(ItNexus nexus) {
    knownNexuses.remove(nexus);
    issuers.remove(nexus);
    if (reserving.remove(nexus) || nexus.equals(current.get().spc2Holder())) {
      return nexusLostAt(nexus);
    }
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<Void> nexusLostAt(ItNexus nexus) {
    return everywhere(submitQuietly(new PrOp(Kind.NEXUS_LOST, nexus, null)));
  }

  /** The SPC-2 holder whose release for an unresponsive node is under way (one at a time). */
  private final AtomicReference<ItNexus> releasingForSilence = new AtomicReference<>();

  /**
   * On the volume's leader: node {@code nodeId} has not answered for a while (crashed, hung or cut
   * off). Its I_T nexuses are as good as lost (their commands cannot be served), so an SPC-2
   * reservation held through one of them is released, as on nexus loss (SPC-2 7.21), instead of
   * fencing every other initiator until a reset. Persistent reservations stay (they survive
   * nexus loss). Called repeatedly while the node stays silent: at most one release is in flight.
   */
  void replicaUnresponsive(int nodeId) {
    ItNexus holder = current.get().spc2Holder();
    if (holder == null || holder.targetPortGroup() != nodeId || !releasingForSilence.compareAndSet(null, holder)) {
      return;
    }
    // off the caller's thread (a Ratis log appender): submitting may block for a moment
    CompletableFuture.runAsync(() -> {
      log.info("volume {}: releasing the SPC-2 reservation of {}: node {} does not answer",
          lu.volume().name(), holder, nodeId);
      nexusLostAt(holder).whenComplete((v, e) -> releasingForSilence.set(null));
    });
  }

  /**
   * This node of a cluster has (re)started: the I_T nexuses of its target port were lost when it
   * stopped, and a crash sends no nexus loss, so an SPC-2 reservation held through one of them
   * would outlive it on every node (SPC-2 7.21: released on I_T nexus loss). Once this replica has
   * caught up (one linearizable read, retried while the volume is not ready yet), releases it,
   * unless that nexus has logged in here again meanwhile. Persistent reservations are untouched:
   * a node restart is not the LU's power loss (class comment). Completes (never exceptionally)
   * when done or given up.
   *
   * @param nodeId this node's id: the target port group of its nexuses ({@link ItNexus#targetPortGroup})
   */
  public CompletableFuture<Void> nodeStarted(int nodeId) {
    return caughtUp(System.nanoTime() + CATCH_UP_NANOS).thenCompose(ok -> {
      ItNexus holder = current.get().spc2Holder();
      if (!ok || holder == null || holder.targetPortGroup() != nodeId || knownNexuses.contains(holder)) {
        return CompletableFuture.completedFuture(null);
      }
      log.info("volume {}: releasing the SPC-2 reservation of {}, lost when node {} stopped",
          lu.volume().name(), holder, nodeId);
      return nexusLostAt(holder);
    });
  }

  private static final long CATCH_UP_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
  private static final java.util.concurrent.Executor CATCH_UP_RETRY =
      CompletableFuture.delayedExecutor(500, java.util.concurrent.TimeUnit.MILLISECONDS);

  /** True once one linearizable read of this LU's volume succeeded; false at {@code deadline}. */
  private CompletableFuture<Boolean> caughtUp(long deadline) {
    java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(lu.volume().logicalBlockSize());
    return lu.volume().read(0, 1, one).handle((v, e) -> e == null).thenCompose(ok -> ok || System.nanoTime() > deadline
        ? CompletableFuture.completedFuture(ok)
        : CompletableFuture.supplyAsync(() -> null, CATCH_UP_RETRY).thenCompose(x -> caughtUp(deadline)));
  }

  /**
   * LOGICAL UNIT RESET ({@code targetReset} false) or TARGET RESET issued by {@code issuer} at this
   * node, whose caller has already applied its local effects (SAM-5 6.3.3), replicated: every
   * replica releases the SPC-2 reservation (PRs survive, SPC-4 5.13.11), and every other node
   * clears PREVENT and establishes the reset's unit attention for its own I_T nexuses when it
   * applies the entry ({@link #applied}). Completes, never exceptionally, once every other
   * replica has applied it, so that by the time the task management response goes out every path
   * through every node shows the unit attention (docs/replication.md, "Resets across nodes").
   */
  public CompletableFuture<Void> reset(ItNexus issuer, boolean targetReset) {
    resetsIssuedHere.merge(issuer, 1, Integer::sum);
    PrOp op = new PrOp(targetReset ? Kind.TARGET_RESET : Kind.RESET, issuer, null);
    return everywhere(submitQuietly(op));
  }

  /**
   * SPC-4 5.13.5 power on, for a single node's start only (see the class comment): without APTPL
   * every registration and the reservation are cleared; the SPC-2 reservation always is.
   */
  public CompletableFuture<Void> powerOnWithoutAptpl() {
    return submit(new PrOp(Kind.POWER_ON, null, null)).thenApply(o -> null);
  }

  private CompletableFuture<PrOutcome> submit(PrOp op) {
    return lu.volume().transformMeta(PrTransform.KEY, op.encode()).thenApply(bytes -> {
      PrOutcome outcome = PrOutcome.decode(bytes);
      outcome.throwIfFailed();
      return outcome;
    });
  }

  /** As {@link #submit}, for changes nobody can be told of a failure of: logged, never failing. */
  private CompletableFuture<Void> submitQuietly(PrOp op) {
    return submit(op).handle((o, e) -> {
      if (e != null) {
        log.warn("volume {}: {} not applied: {}", lu.volume().name(), op, e.toString());
      }
      return null;
    });
  }

  /** True, and one count taken, when a reset from {@code issuer} was issued at this node. */
  private boolean takeResetIssuedHere(ItNexus issuer) {
    boolean[] found = {false};
    resetsIssuedHere.computeIfPresent(issuer, (n, c) -> {
      found[0] = true;
      return c > 1 ? c - 1 : null;
    });
    return found[0];
  }

  /** The watchMeta listener: every applied operation, on every node, in log order. */
  private void applied(byte[] opBytes, byte[] result, byte[] value) {
    current.set(decode(lu.volume().name(), value));
    PrOp op;
    PrOutcome outcome;
    try {
      op = PrOp.decode(opBytes);
      outcome = PrOutcome.decode(result);
    } catch (IllegalArgumentException e) {
      log.warn("volume {}: reservation operation not understood: {}", lu.volume().name(), e.toString());
      return;
    }
    if ((op.kind() == Kind.RESET || op.kind() == Kind.TARGET_RESET) && op.issuer() != null
        && !takeResetIssuedHere(op.issuer())) {
      // a reset at another node: here, the effects Dispatcher.reset had there, for every nexus
      lu.setRemovalPrevented(false);
      lu.unitAttentions().establishAll(op.kind() == Kind.RESET ? SenseReason.BUS_DEVICE_RESET
          : SenseReason.POWER_ON_RESET, null);
    }
    for (Ua ua : outcome.unitAttentions()) {
      for (ItNexus n : knownNexuses) {
        if (ua.target().matches(n) && !n.equals(op.issuer())) {
          lu.unitAttentions().establish(n, ua.reason());
        }
      }
    }
    if (!outcome.aborted().isEmpty()) {
      // nexuses are node-local: a known issuer is one of ours, and its caller aborts there
      aborts.abort(op.issuer(), knownNexuses.contains(op.issuer()), outcome.aborted());
    }
  }
}
