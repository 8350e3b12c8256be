package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.TaskSetAborter;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.OpcodeTable;
import io.blockraft.target.scsi.sense.ScsiException;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The reservation commands in the opcode table: SPC-4 6.15 PERSISTENT RESERVE IN, SPC-4 6.16
 * PERSISTENT RESERVE OUT, and SPC-2 7.21/7.22/7.17/7.18 RESERVE(6)/(10), RELEASE(6)/(10).
 * All are registered with {@link ConflictClass#NEVER}: {@link Reservations#conflicts} and the
 * handlers decide (SPC-4 5.13.3, SPC-2 5.5.1). Unsupported service actions (PR IN 04h..1Fh, PR
 * OUT 08h..1Fh) are INVALID FIELD IN CDB through the dispatcher.
 *
 * <p>SPC-4 5.13.11.2.5 (5.12.11.2.6 in later revisions) Preempting and aborting: besides the
 * PREEMPT changes (and their unit attentions, {@link PrStateMachine}), PREEMPT AND ABORT aborts
 * the tasks on this logical unit of every I_T nexus registered with the SERVICE ACTION
 * RESERVATION KEY (all registered nexuses for key zero on an all-registrants reservation),
 * whether or not it held the reservation, the issuer's own included, except the PERSISTENT
 * RESERVE OUT itself: as if by ABORT TASK SET on each nexus. Other nexuses' tasks end with TASK
 * ABORTED status (TAS=1, Control mode page), the issuer's without a response.
 * {@link Reservations} says which registrations are named, the transport aborts
 * ({@link TaskSetAborter}), and GOOD is returned only once every aborted task has stopped.
 * Other nodes abort their own nexuses' tasks when they apply the change ({@link Reservations}).
 *
 * <p>Every change is replicated ({@link PrTransform}): PERSISTENT RESERVE OUT, RESERVE and
 * RELEASE answer only once the change is applied on this node.
 */
public final class PrCommands {
  public static final int RESERVE_6 = 0x16;
  public static final int RELEASE_6 = 0x17;
  public static final int RESERVE_10 = 0x56;
  public static final int RELEASE_10 = 0x57;
  public static final int PERSISTENT_RESERVE_IN = 0x5E;
  public static final int PERSISTENT_RESERVE_OUT = 0x5F;

  private static final String[] PRIN_NAMES = {
    "PERSISTENT RESERVE IN READ KEYS", "PERSISTENT RESERVE IN READ RESERVATION",
    "PERSISTENT RESERVE IN REPORT CAPABILITIES", "PERSISTENT RESERVE IN READ FULL STATUS"};
  private static final String[] PROUT_NAMES = {
    "PERSISTENT RESERVE OUT REGISTER", "PERSISTENT RESERVE OUT RESERVE",
    "PERSISTENT RESERVE OUT RELEASE", "PERSISTENT RESERVE OUT CLEAR",
    "PERSISTENT RESERVE OUT PREEMPT", "PERSISTENT RESERVE OUT PREEMPT AND ABORT",
    "PERSISTENT RESERVE OUT REGISTER AND IGNORE EXISTING KEY",
    "PERSISTENT RESERVE OUT REGISTER AND MOVE"};

  private PrCommands() {}

  public static void register(OpcodeTable table) {
    for (int sa = 0; sa < PRIN_NAMES.length; sa++) {
      table.register(CommandSpec.of(PERSISTENT_RESERVE_IN, sa, PRIN_NAMES[sa], 10)
          .usage(0, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07)
          .conflict(ConflictClass.NEVER)
          .handler(PrCommands::persistentReserveIn));
    }
    for (int sa = 0; sa < PROUT_NAMES.length; sa++) {
      table.register(CommandSpec.of(PERSISTENT_RESERVE_OUT, sa, PROUT_NAMES[sa], 10)
          .usage(0, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07)
          .conflict(ConflictClass.NEVER)
          .handler(PrCommands::persistentReserveOut));
    }
    table.register(CommandSpec.of(RESERVE_6, "RESERVE(6)", 6)
        .usage(0, 0, 0, 0, 0, 0x07)
        .conflict(ConflictClass.NEVER)
        .handler(PrCommands::reserveRelease));
    table.register(CommandSpec.of(RELEASE_6, "RELEASE(6)", 6)
        .usage(0, 0, 0, 0, 0, 0x07)
        .conflict(ConflictClass.NEVER)
        .handler(PrCommands::reserveRelease));
    table.register(CommandSpec.of(RESERVE_10, "RESERVE(10)", 10)
        .usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07)
        .conflict(ConflictClass.NEVER)
        .handler(PrCommands::reserveRelease));
    table.register(CommandSpec.of(RELEASE_10, "RELEASE(10)", 10)
        .usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07)
        .conflict(ConflictClass.NEVER)
        .handler(PrCommands::reserveRelease));
  }

  /** SPC-4 6.15 PERSISTENT RESERVE IN: the parameter data truncated to ALLOCATION LENGTH. */
  static CompletableFuture<ScsiResponse> persistentReserveIn(CommandContext ctx) {
    byte[] cdb = ctx.cdb();
    int allocation = Cdb.u16(cdb, 7);
    PrState s = ctx.lu().reservations().state();
    byte[] data;
    switch (cdb[1] & 0x1f) {
      case PrInData.READ_KEYS:
        data = PrInData.readKeys(s);
        break;
      case PrInData.READ_RESERVATION:
        data = PrInData.readReservation(s);
        break;
      case PrInData.REPORT_CAPABILITIES:
        data = PrInData.reportCapabilities(s);
        break;
      case PrInData.READ_FULL_STATUS:
        data = PrInData.readFullStatus(s);
        break;
      default:
        throw ScsiException.invalidCdbField(1, 4);
    }
    if (allocation == 0) {
      return CommandContext.good();
    }
    return CommandContext.data(Unpooled.wrappedBuffer(data), allocation);
  }

  /** SPC-4 6.16 PERSISTENT RESERVE OUT: CDB, then the parameter list, then the state change. */
  static CompletableFuture<ScsiResponse> persistentReserveOut(CommandContext ctx) {
    PrOutRequest.Command cmd = PrOutRequest.Command.parse(ctx.cdb());
    Reservations reservations = ctx.lu().reservations();
    return ctx.dataOut(cmd.parameterListLength()).thenCompose(buf -> {
      byte[] p;
      try {
        p = new byte[cmd.parameterListLength()];
        buf.getBytes(buf.readerIndex(), p);
      } finally {
        buf.release();
      }
      PrOutRequest request = PrOutRequest.parse(cmd, p);
      return reservations.persistentReserveOut(ctx.nexus(), request)
          .thenCompose(named -> abortTaskSets(ctx, named));
    }).thenApply(v -> ScsiResponse.good());
  }

  /**
   * After PREEMPT AND ABORT (see the class comment), the tasks on this logical unit of the I_T
   * nexuses of the {@code named} registrations are aborted; completes once they have stopped.
   */
  private static CompletableFuture<Void> abortTaskSets(CommandContext ctx,
      List<Registrant> named) {
    if (named.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Predicate<ItNexus> lost = n -> named.stream().anyMatch(r -> r.matches(n));
    return ctx.target().taskSetAborter().abortTaskSets(ctx.task(), lost);
  }

  /** SPC-2 RESERVE(6)/(10) and RELEASE(6)/(10) of the whole logical unit. */
  static CompletableFuture<ScsiResponse> reserveRelease(CommandContext ctx) {
    byte[] cdb = ctx.cdb();
    int op = cdb[0] & 0xff;
    boolean ten = op == RESERVE_10 || op == RELEASE_10;
    // 3RDPTY, third-party device id, LONGID and EXTENT are not supported
    int unsupported = ten ? (cdb[1] & 0x13) : (cdb[1] & 0x1f);
    if (unsupported != 0) {
      throw ScsiException.invalidCdbField(1, 31 - Integer.numberOfLeadingZeros(unsupported));
    }
    Reservations reservations = ctx.lu().reservations();
    CompletableFuture<Void> applied = op == RESERVE_6 || op == RESERVE_10
        ? reservations.reserve(ctx.nexus())
        : reservations.release(ctx.nexus());
    return applied.thenApply(v -> ScsiResponse.good()); // once replicated and applied here
  }
}
