package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.login.TargetCatalog;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.iscsi.pdu.PduDecoder;
import io.blockraft.target.iscsi.pdu.PduEncoder;
import io.blockraft.target.iscsi.pdu.PduError;
import io.blockraft.target.iscsi.tmf.TaskHost;
import io.blockraft.target.iscsi.tmf.TaskManager;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Dispatcher;
import io.blockraft.target.scsi.sense.SenseData;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One iSCSI connection (RFC 7143 4.4, 6 login, 7.1 connection states), the last handler of the
 * pipeline {@code PduDecoder -> PduEncoder -> IscsiConnection}.
 *
 * <p>Phases (transitions only in this order): LOGIN (only Login Requests; anything else closes
 * the connection) -> FULL_FEATURE (11.3-11.19) -> CLOSED. On entering Full Feature Phase the
 * negotiated digests and MaxRecvDataSegmentLength are switched on in the codec, after the final
 * Login Response has been encoded.
 *
 * <p>In Full Feature Phase non-immediate commands pass through the session's CmdSN window
 * ({@link CmdSequencer}, 4.2.2.1) and are executed in CmdSN order; immediate ones at once. SCSI
 * tasks run concurrently in the SCSI layer; their completions hop back to this event loop. Every
 * PDU sent carries StatSN (advanced for status-bearing PDUs, 4.2.2.2), ExpCmdSN and MaxCmdSN
 * ({@link Outbound}).
 *
 * <p>Helpers by RFC topic: {@link ScsiCommands} (11.3 intake), {@link IscsiTask} (Data-Out, R2T,
 * completion), {@link ResponseWriter} (11.4/11.7.1), {@link FfpText} (11.10), {@link NopKeeper}
 * (11.18/11.19 pings), {@link ControlRequests} (11.14 Logout, 11.5 task management).
 */
public final class IscsiConnection extends ChannelInboundHandlerAdapter implements TaskHost {
  private static final Logger log = LoggerFactory.getLogger(IscsiConnection.class);

  /** How a PDU sent treats StatSN (RFC 7143 4.2.2.2). */
  enum StatSn {
    /** Carries status: takes the current StatSN, which then advances. */
    ADVANCE,
    /** Carries the next StatSN without advancing it (R2T, NOP-In ping, Data-In without status). */
    CURRENT,
    /** StatSN field reserved. */
    NONE
  }

  private enum Phase { LOGIN, FULL_FEATURE, CLOSED }

  /** A command waiting in the CmdSN queue. */
  private interface Queued {
    void run();

    void discard();
  }

  private final SessionRegistry registry;
  private final TargetCatalog catalog;
  private final SessionSettings settings;
  private ChannelHandlerContext ctx;
  private LoginPhase login;
  private Phase phase = Phase.LOGIN;
  private IscsiSession session;
  private SessionParams params;
  private CmdSequencer<Queued> sequencer;
  private boolean draining;
  private final Map<Integer, IscsiTask> tasks = new HashMap<>();
  private int executing;
  private int nextTtt = 1;
  private final FfpText text;
  private final NopKeeper nop;
  private final BufferBudget budget;
  private final Outbound out;

  /** A connection with a budget of its own (tests; a portal shares one, see PortalServer). */
  public IscsiConnection(SessionRegistry registry, TargetCatalog catalog) {
    this(registry, catalog, new BufferBudget(1L << 30));
  }

  public IscsiConnection(SessionRegistry registry, TargetCatalog catalog, BufferBudget budget) {
    this.registry = registry;
    this.catalog = catalog;
    this.budget = budget;
    this.out = new Outbound(this, budget);
    this.settings = registry.settings();
    this.text = new FfpText(this);
    this.nop = new NopKeeper(this);
  }

  // ------------------------------------------------------------------ accessors

  SessionRegistry registry() {
    return registry;
  }

  SessionSettings settings() {
    return settings;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  /** True in Full Feature Phase (not yet closing). */
  boolean isFullFeature() {
    return phase == Phase.FULL_FEATURE;
  }

  /** The connection's CID (RFC 7143 11.12.6). */
  int cid() {
    return login == null ? 0 : login.cid();
  }

  BufferBudget budget() {
    return budget;
  }

  SessionParams params() {
    return params;
  }

  IscsiSession session() {
    return session;
  }

  TargetCatalog catalog() {
    return catalog;
  }

  boolean isClosed() {
    return phase == Phase.CLOSED || ctx == null || !ctx.channel().isActive();
  }

  /** Number of SCSI tasks known to this connection (queued or executing). */
  int taskCount() {
    return tasks.size();
  }

  /** A fresh Target Transfer Tag (never the reserved value). */
  int nextTargetTransferTag() {
    int t = nextTtt++;
    if (nextTtt == TargetPdus.RESERVED_TAG || nextTtt == 0) {
      nextTtt = 1;
    }
    return t;
  }

  /** Runs {@code r} on this connection's event loop; false when the loop no longer runs. */
  boolean runOnLoop(Runnable r) {
    if (ctx == null) {
      return false;
    }
    if (ctx.executor().inEventLoop()) {
      r.run();
      return true;
    }
    try {
      ctx.executor().execute(r);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Closes the connection (any thread). */
  public void close() {
    ChannelHandlerContext c = ctx;
    if (c != null) {
      c.channel().close();
    }
  }

  // ------------------------------------------------------------------ channel lifecycle

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.out.attach(ctx);
    this.login = new LoginPhase(this, ctx);
    if (ctx.channel().isActive()) {
      armLoginTimer();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    armLoginTimer();
    ctx.fireChannelActive();
  }

  private void armLoginTimer() {
    if (phase == Phase.LOGIN) {
      login.armTimer();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    teardown();
    ctx.fireChannelInactive();
  }

  /**
   * Backpressure: while the outbound buffer is above its high water mark no new input is read,
   * so a slow reader cannot make the target queue unbounded Data-In.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{}: {}", ctx.channel().remoteAddress(), cause.toString());
    close();
  }

  private void teardown() {
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = Phase.CLOSED;
    if (login != null) {
      login.cancelTimer();
    }
    nop.stop();
    if (sequencer != null) {
      for (Queued q : sequencer.drain()) {
        q.discard();
      }
    }
    for (IscsiTask t : new ArrayList<>(tasks.values())) {
      t.abort(false);
    }
    text.reset();
    if (session != null) {
      registry.sessionEnded(session);
    }
  }

  // ------------------------------------------------------------------ inbound

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    out.readStarted();
    try {
      if (phase == Phase.CLOSED) {
        ReferenceCountUtil.release(msg);
      } else if (msg instanceof PduError e) {
        onPduError(e);
      } else if (msg instanceof Pdu p) {
        try {
          nop.onInput();
          if (phase == Phase.LOGIN) {
            login.onPdu(p);
          } else {
            onFullFeaturePdu(p);
          }
        } finally {
          p.release();
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    } catch (RuntimeException e) {
      log.warn("{}: closing after internal error", ctx.channel().remoteAddress(), e);
      close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    out.readComplete();
    ctx.fireChannelReadComplete();
  }

  private void onPduError(PduError e) {
    if (phase != Phase.FULL_FEATURE || e.kind() == PduError.Kind.FATAL) {
      log.info("{}: {}, closing", ctx.channel().remoteAddress(), e);
      close();
      return;
    }
    int reason = e.kind() == PduError.Kind.DATA_DIGEST ? TargetPdus.REJECT_DATA_DIGEST
        : Opcode.isInitiatorOpcode(e.opcode()) ? TargetPdus.REJECT_PROTOCOL_ERROR
        : TargetPdus.REJECT_COMMAND_NOT_SUPPORTED;
    reject(reason, e.bhs());
    if (e.opcode() == Opcode.SCSI_DATA_OUT) {
      IscsiTask t = tasks.get(e.itt());
      if (t != null) {
        t.fail(SenseReason.DATA_PHASE_ERROR); // its data is gone: ERL 0 cannot recover the task
      }
    } else {
      skipRejectedCommand(e.bhs());
    }
  }

  /** Rejects a malformed command PDU (RFC 7143 11.17) and consumes its CmdSN. */
  void rejectCommand(Pdu p, int reason) {
    reject(reason, p.bhs());
    skipRejectedCommand(p.bhs());
  }

  /** A rejected non-immediate command still consumes its CmdSN, or the window would stall. */
  private void skipRejectedCommand(byte[] bhs) {
    long cmdSn = TargetPdus.numberedCmdSn(bhs);
    if (cmdSn >= 0 && sequencer != null && sequencer.skip((int) cmdSn)) {
      drain();
    }
  }

  // ------------------------------------------------------------------ login phase

  /** The login failed: the connection closes after the failure response (LoginPhase). */
  void loginFailed() {
    phase = Phase.CLOSED;
    if (session != null) {
      registry.sessionEnded(session);
    }
  }

  /** Called by the session binder during login. */
  void bound(IscsiSession s) {
    this.session = s;
    s.attach(this);
  }

  /**
   * Enters Full Feature Phase: switches digests and MaxRecvDataSegmentLength on in the codec,
   * opens the CmdSN window at {@code expCmdSn} and starts the NOP timer.
   */
  void enterFullFeature(SessionParams p, int expCmdSn, int nextStatSn) {
    this.params = p;
    this.phase = Phase.FULL_FEATURE;
    this.sequencer = new CmdSequencer<>(expCmdSn, settings.commandWindow());
    out.startNumbering(sequencer, () -> executing, nextStatSn);
    if (login != null) {
      login.cancelTimer();
    }
    PduDecoder decoder = ctx.pipeline().get(PduDecoder.class);
    if (decoder != null) {
      decoder.enableDigests(p.headerDigest, p.dataDigest);
      decoder.setMaxRecvDataSegmentLength(p.targetMaxRecvDataSegmentLength);
    }
    PduEncoder encoder = ctx.pipeline().get(PduEncoder.class);
    if (encoder != null) {
      encoder.enableDigests(p.headerDigest, p.dataDigest);
    }
    log.info("{}: {} in full feature phase ({})", ctx.channel().remoteAddress(), session, p);
    nop.start();
  }

  /** Test hook: binds {@code s} and enters Full Feature Phase without a login exchange. */
  void startForTest(IscsiSession s, int expCmdSn, int nextStatSn) {
    bound(s);
    enterFullFeature(s.params(), expCmdSn, nextStatSn);
  }

  // ------------------------------------------------------------------ full feature phase

  private void onFullFeaturePdu(Pdu p) {
    switch (p.opcode()) {
      case Opcode.SCSI_COMMAND -> ScsiCommands.onCommand(this, p);
      case Opcode.SCSI_DATA_OUT -> {
        IscsiTask t = tasks.get(p.itt());
        if (t != null) {
          t.onDataOut(p); // Data-Out for an unknown or finished task is dropped (as LIO does)
        }
      }
      case Opcode.NOP_OUT -> {
        if (p.itt() != TargetPdus.RESERVED_TAG) { // else an answer to our ping: no response
          sequenced(p, nop::answer);
        }
      }
      case Opcode.TEXT_REQUEST -> sequenced(p, text::onRequest);
      case Opcode.TASK_MGMT_REQUEST -> sequenced(p, req -> ControlRequests.taskManagement(this, req));
      case Opcode.LOGOUT_REQUEST -> sequenced(p, req -> ControlRequests.logout(this, req));
      case Opcode.SNACK_REQUEST -> reject(TargetPdus.REJECT_PROTOCOL_ERROR, p.bhs()); // ERL 0
      case Opcode.LOGIN_REQUEST -> reject(TargetPdus.REJECT_PROTOCOL_ERROR, p.bhs());
      default -> reject(TargetPdus.REJECT_COMMAND_NOT_SUPPORTED, p.bhs());
    }
  }

  /** Runs {@code handler} now (immediate) or in CmdSN order; the PDU stays valid until it ran. */
  private void sequenced(Pdu p, Consumer<Pdu> handler) {
    if (p.immediate()) {
      handler.accept(p);
      return;
    }
    p.retain();
    Queued q = new Queued() {
      @Override
      public void run() {
        try {
          handler.accept(p);
        } finally {
          p.release();
        }
      }

      @Override
      public void discard() {
        p.release();
      }
    };
    if (!sequencer.offer(p.i32(24), q)) {
      log.debug("dropping {} with CmdSN {} outside [{}, {}]", p, p.u32(24), sequencer.expCmdSn(),
          sequencer.maxCmdSn());
      p.release();
      return;
    }
    drain();
  }

  /** Queues a SCSI task in CmdSN order (or runs it, when immediate). False: dropped. */
  boolean admit(IscsiTask t, boolean immediate) {
    if (!immediate) {
      Queued q = new Queued() {
        @Override
        public void run() {
          deliver(t);
        }

        @Override
        public void discard() {
          t.abort(false);
        }
      };
      if (!sequencer.offer(t.cmdSn, q)) {
        log.debug("dropping {} outside [{}, {}]", t, sequencer.expCmdSn(), sequencer.maxCmdSn());
        return false;
      }
      tasks.put(t.itt, t);
      drain();
    } else {
      tasks.put(t.itt, t);
      deliver(t);
    }
    return true;
  }

  boolean hasTask(int itt) {
    return tasks.containsKey(itt);
  }

  private void drain() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      Queued q;
      while (phase == Phase.FULL_FEATURE && (q = sequencer.poll()) != null) {
        q.run();
      }
    } finally {
      draining = false;
    }
  }

  private void deliver(IscsiTask t) {
    if (t.isAbortedLocal() || t.isFinished()) {
      return;
    }
    t.markDelivered();
    executing++;
    if (session.isDiscovery()) {
      // RFC 7143 4.3: a discovery session carries no SCSI commands
      reject(TargetPdus.REJECT_COMMAND_NOT_SUPPORTED, t.bhs());
      t.abort(false);
      return;
    }
    if (t.edtl > settings.maxTransferLength()) {
      t.complete(ScsiResponse.checkCondition(SenseData.encode(SenseReason.INVALID_FIELD_IN_CDB)));
      return;
    }
    try {
      session.target().execute(t.scsi, t);
    } catch (RuntimeException e) {
      t.complete(Dispatcher.toResponse(e, t.scsi));
    }
  }

  /** Removes a task from the ITT map (aborted: later Data-Out for it is dropped). */
  void forget(IscsiTask t) {
    tasks.remove(t.itt, t);
  }

  void taskFinished(IscsiTask t) {
    tasks.remove(t.itt, t);
    if (t.isDelivered()) {
      executing--;
    }
  }

  @Override
  public ItNexus nexus() {
    return session == null ? null : session.nexus();
  }

  @Override
  public CompletableFuture<Void> abortTasks(Long lunField, boolean reportTaskAborted) {
    return abortWhere(t -> lunField == null || Lun.sameLu(t.lun, lunField), reportTaskAborted);
  }

  @Override
  public CompletableFuture<Void> abortTasksExcept(long lunField, int keptTaskTag) {
    return abortWhere(t -> t.itt != keptTaskTag && Lun.sameLu(t.lun, lunField), false);
  }

  private CompletableFuture<Void> abortWhere(Predicate<IscsiTask> which,
      boolean reportTaskAborted) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    boolean scheduled = runOnLoop(() -> {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (IscsiTask t : new ArrayList<>(tasks.values())) {
        if (which.test(t)) {
          all.add(t.abort(reportTaskAborted));
        }
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
          .whenComplete((v, e) -> result.complete(null));
    });
    if (!scheduled) {
      result.complete(null);
    }
    return result;
  }

  @Override
  public CompletableFuture<Integer> abortTask(long lunField, int referencedTaskTag, int refCmdSn,
      int tmfCmdSn) {
    CompletableFuture<Integer> result = new CompletableFuture<>();
    boolean scheduled = runOnLoop(() -> {
      IscsiTask t = tasks.get(referencedTaskTag);
      if (t != null) {
        t.abort(false).whenComplete((v, e) -> result.complete(TaskManager.FUNCTION_COMPLETE));
        return;
      }
      // RFC 7143 11.5.1 b): a command that never arrived but whose CmdSN is in the window
      if (sequencer != null && CmdSequencer.before(refCmdSn, tmfCmdSn) && sequencer.skip(refCmdSn)) {
        drain();
        result.complete(TaskManager.FUNCTION_COMPLETE);
        return;
      }
      result.complete(TaskManager.TASK_DOES_NOT_EXIST);
    });
    if (!scheduled) {
      result.complete(TaskManager.TASK_DOES_NOT_EXIST);
    }
    return result;
  }

  // ------------------------------------------------------------------ outbound

  /** Reject (RFC 7143 11.17) carrying the offending header. */
  void reject(int reason, byte[] bhs) {
    send(TargetPdus.reject(reason, bhs), StatSn.ADVANCE);
  }

  /** Stamps StatSN / ExpCmdSN / MaxCmdSN and writes; flushed at the end of the current batch. */
  void send(Pdu pdu, StatSn mode) {
    out.send(pdu, mode);
  }

  ChannelFuture sendAndFlush(Pdu pdu, StatSn mode) {
    return out.sendAndFlush(pdu, mode);
  }
}
