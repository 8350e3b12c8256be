package io.blockraft.target.scsi.dispatch;

import io.blockraft.replication.VolumeUnavailableException;
import io.blockraft.replication.WriteFencedException;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskIo;
import io.blockraft.target.scsi.TmfFunction;
import io.blockraft.target.scsi.pr.PrCommands;
import io.blockraft.target.scsi.sbc.Sanitize;
import io.blockraft.target.scsi.sbc.SbcCommands;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseData;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.SpcCommands;
import io.blockraft.target.scsi.xcopy.XcopyCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every command through the same checks in one fixed order (SAM-5 5.14, SPC-4 5.13.1,
 * ARCHITECTURE.md "Data path"), then its handler:
 *
 * <ol>
 *   <li>LUN: an unknown LUN answers only INQUIRY, REPORT LUNS, REQUEST SENSE; others get
 *       LOGICAL UNIT NOT SUPPORTED;
 *   <li>unit attention (except INQUIRY, REPORT LUNS, REQUEST SENSE);
 *   <li>opcode: unsupported opcodes / service actions get INVALID COMMAND OPERATION CODE;
 *   <li>CONTROL byte: NACA and LINK are not supported (INVALID FIELD IN CDB);
 *   <li>readiness (sanitize in progress, ALUA / quorum, medium present): NOT READY;
 *   <li>reservation conflict;
 *   <li>the handler: CDB fields, LBA range, data transfer, execution.
 * </ol>
 *
 * Failures from any step become sense data here and only here.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private final OpcodeTable table;
  private final ScsiTarget target;

  public Dispatcher(OpcodeTable table, ScsiTarget target) {
    this.table = table;
    this.target = target;
  }

  /** The table with every command family this target implements. */
  public static OpcodeTable standardTable() {
    OpcodeTable t = new OpcodeTable();
    SpcCommands.register(t);
    SbcCommands.register(t);
    PrCommands.register(t);
    XcopyCommands.register(t);
    return t;
  }

  public OpcodeTable table() {
    return table;
  }

  public void execute(ScsiTask task, TaskIo io) {
    CompletableFuture<ScsiResponse> result;
    try {
      result = check(task, io);
    } catch (Throwable t) {
      result = CompletableFuture.failedFuture(t);
    }
    result.whenComplete((resp, err) -> io.complete(err == null ? resp : toResponse(err, task)));
  }

  private CompletableFuture<ScsiResponse> check(ScsiTask task, TaskIo io) {
    byte[] cdb = task.cdb();
    ItNexus nexus = task.nexus();
    LogicalUnit lu = Lun.isWellKnown(task.lun()) ? null : target.lu(Lun.decode(task.lun()));
    CommandSpec spec = table.lookup(cdb);

    if (lu == null && (spec == null || spec.needsLu())) {
      throw new ScsiException(SenseReason.LOGICAL_UNIT_NOT_SUPPORTED);
    }
    if (lu != null) {
      lu.unitAttentions().nexusSeen(nexus);
      if (spec == null || spec.reportsUnitAttention()) {
        SenseReason ua = lu.unitAttentions().poll(nexus);
        if (ua != null) {
          throw new ScsiException(ua);
        }
      }
    }
    if (spec == null) {
      if (table.hasServiceActions(task.opcode())) {
        throw ScsiException.invalidCdbField(1, 4);
      }
      throw new ScsiException(SenseReason.INVALID_COMMAND_OPERATION_CODE);
    }
    int control = cdb[Math.min(spec.cdbLength(), cdb.length) - 1] & 0xff;
    if ((control & 0x05) != 0) { // NACA (bit 2) or obsolete LINK (bit 0)
      throw ScsiException.invalidCdbField(spec.cdbLength() - 1);
    }
    if (lu != null && !spec.allowedWhenNotReady() && !lu.volume().isReady()) {
      throw new ScsiException(SenseReason.NOT_READY_CAUSE_NOT_REPORTABLE);
    }
    if (lu != null && spec.reportsUnitAttention() && Sanitize.inProgress(lu)) {
      // SBC-4 4.11.2: while a sanitize runs, everything but INQUIRY, REPORT LUNS and REQUEST
      // SENSE (the UA-exempt commands) is NOT READY, SANITIZE IN PROGRESS
      throw new ScsiException(SenseReason.NOT_READY_SANITIZE_IN_PROGRESS);
    }
    if (lu != null && !spec.allowedWhenNotReady() && !lu.mediumPresent()) {
      throw new ScsiException(SenseReason.MEDIUM_NOT_PRESENT); // ejected removable medium (SBC-4 4.x)
    }
    if (lu != null && lu.reservations().conflicts(nexus, spec.conflict(), cdb)) {
      return CompletableFuture.completedFuture(ScsiResponse.status(ScsiStatus.RESERVATION_CONFLICT));
    }
    return spec.handler().execute(new CommandContext(task, lu, target, io, spec));
  }

  /** The one translation of a failure into a SCSI response. */
  public static ScsiResponse toResponse(Throwable err, ScsiTask task) {
    Throwable t = err;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ScsiException se) {
      return ScsiResponse.checkCondition(se.toSense());
    }
    if (t instanceof ReservationConflictException || t instanceof WriteFencedException) {
      return ScsiResponse.status(ScsiStatus.RESERVATION_CONFLICT);
    }
    if (t instanceof VolumeUnavailableException) {
      return ScsiResponse.checkCondition(SenseData.encode(SenseReason.NOT_READY_CAUSE_NOT_REPORTABLE));
    }
    if (t instanceof TaskAbortedException) {
      return ScsiResponse.status(ScsiStatus.TASK_ABORTED);
    }
    if (t instanceof TaskSetFullException) {
      return ScsiResponse.status(ScsiStatus.TASK_SET_FULL);
    }
    log.warn("command {} failed: {}", task == null ? "?" : String.format("0x%02x", task.opcode()), t.toString(), t);
    return ScsiResponse.checkCondition(SenseData.encode(SenseReason.INTERNAL_TARGET_FAILURE));
  }

  /**
   * The SCSI side of a task management function, after the transport has aborted the tasks:
   * completes with the RFC 7143 11.6.1 response code (0 function complete, 2 LUN does not exist,
   * 5 not supported); resets complete once the other nodes have them too.
   */
  public CompletableFuture<Integer> taskManagement(ItNexus nexus, TmfFunction fn, long lunField) {
    LogicalUnit lu = Lun.isWellKnown(lunField) ? null : target.lu(Lun.decode(lunField));
    switch (fn) {
      case ABORT_TASK, ABORT_TASK_SET:
        return CompletableFuture.completedFuture(lu == null ? 2 : 0);
      case CLEAR_TASK_SET:
        if (lu == null) {
          return CompletableFuture.completedFuture(2);
        }
        lu.unitAttentions().establishAll(SenseReason.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR, nexus);
        return CompletableFuture.completedFuture(0);
      case LOGICAL_UNIT_RESET:
        if (lu == null) {
          return CompletableFuture.completedFuture(2);
        }
        return reset(lu, SenseReason.BUS_DEVICE_RESET, nexus, nexus, false).thenApply(v -> 0);
      case TARGET_WARM_RESET, TARGET_COLD_RESET:
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (LogicalUnit l : target.luns().values()) {
          all.add(reset(l, SenseReason.POWER_ON_RESET, null, nexus, true));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(v -> 0);
      default:
        return CompletableFuture.completedFuture(5);
    }
  }

  /**
   * SAM-5 6.3.3: a reset releases SPC-2 reservations, clears PREVENT, and establishes the reset
   * unit attention. Here at once, for this node's I_T nexuses except {@code except}: the issuer
   * is left out of an LU reset (tgt's reading; the issuer knows it reset the LU, and libiscsi's
   * Reserve6.LUNReset expects no UA there) and included in a target reset (null). LIO includes
   * the issuer of an LU reset too, which libiscsi's MultipathIO.Reset expects instead: see
   * docs/conformance.md. The reset is also replicated ({@code Reservations.reset}): every replica
   * releases the SPC-2 reservation, and every other node clears PREVENT and establishes the unit
   * attention for all of its own nexuses when it applies it.
   */
  private static CompletableFuture<Void> reset(LogicalUnit lu, SenseReason ua, ItNexus except,
      ItNexus issuer, boolean targetReset) {
    lu.setRemovalPrevented(false);
    lu.unitAttentions().establishAll(ua, except);
    return lu.reservations().reset(issuer, targetReset);
  }
}
