package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrWire.readCount;
import static io.blockraft.target.scsi.pr.PrWire.readRegistrant;
import static io.blockraft.target.scsi.pr.PrWire.writeRegistrant;

import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.pr.PrStateMachine.Transition;
import io.blockraft.target.scsi.pr.PrStateMachine.Ua;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one replicated reservation operation ({@link PrOp}) came to, computed at apply time by
 * {@link PrTransform} and seen identically by the issuer and by every node's listener: the status
 * for the issuer (SAM-5 GOOD, RESERVATION CONFLICT, or CHECK CONDITION with its sense reason and
 * field pointer), the unit attentions to establish (SPC-4 5.13.11) and, for PREEMPT AND ABORT,
 * the registrations whose I_T nexuses lose their tasks (SPC-4 5.13.11.2.5). Sense reasons travel
 * by enum name, so reordering {@link SenseReason} changes nothing in the log.
 *
 * @param status the status
 * @param reason the sense reason ({@link Status#CHECK_CONDITION} only, else null)
 * @param fieldPointer SENSE KEY SPECIFIC field pointer, -1 when not valid
 * @param bitPointer bit pointer, -1 when not valid
 * @param unitAttentions conditions for every I_T nexus except the issuer
 * @param aborted registrations whose I_T nexuses' tasks on the LU are aborted
 */
public record PrOutcome(Status status, SenseReason reason, int fieldPointer, int bitPointer,
    List<Ua> unitAttentions, List<Registrant> aborted) {
  private static final int VERSION = 1;
  private static final int MAX_ENTRIES = 4 * PrStateMachine.MAX_REGISTRATIONS;

  /** The statuses; the log holds their ordinals, so new ones go at the end. */
  public enum Status {
    GOOD, RESERVATION_CONFLICT, CHECK_CONDITION,
    /** The operation could not be decoded: nothing changed (a bug or a newer node's record). */
    REJECTED;

    static Status of(int ordinal) {
      if (ordinal < 0 || ordinal >= values().length) {
        throw new IllegalArgumentException("bad outcome status " + ordinal);
      }
      return values()[ordinal];
    }
  }

  public PrOutcome {
    unitAttentions = List.copyOf(unitAttentions);
    aborted = List.copyOf(aborted);
    if ((status == Status.CHECK_CONDITION) != (reason != null)) {
      throw new IllegalArgumentException("a sense reason goes with CHECK CONDITION only");
    }
  }

  static PrOutcome good() {
    return new PrOutcome(Status.GOOD, null, -1, -1, List.of(), List.of());
  }

  static PrOutcome of(Transition t) {
    return new PrOutcome(Status.GOOD, null, -1, -1, t.unitAttentions(), t.aborted());
  }

  static PrOutcome conflict() {
    return new PrOutcome(Status.RESERVATION_CONFLICT, null, -1, -1, List.of(), List.of());
  }

  static PrOutcome checkCondition(ScsiException e) {
    return new PrOutcome(Status.CHECK_CONDITION, e.reason(), e.fieldPointer(), e.bitPointer(),
        List.of(), List.of());
  }

  static PrOutcome rejected() {
    return new PrOutcome(Status.REJECTED, null, -1, -1, List.of(), List.of());
  }

  /**
   * For the issuer: returns normally on GOOD, else throws what the dispatcher answers with
   * ({@link ReservationConflictException}, {@link ScsiException}, or IllegalStateException for
   * INTERNAL TARGET FAILURE when the operation was rejected).
   */
  public void throwIfFailed() {
    switch (status) {
      case GOOD:
        return;
      case RESERVATION_CONFLICT:
        throw new ReservationConflictException();
      case CHECK_CONDITION:
        throw toException();
      default:
        throw new IllegalStateException("the reservation operation was rejected at apply time");
    }
  }

  private ScsiException toException() {
    if (fieldPointer >= 0 && reason == SenseReason.INVALID_FIELD_IN_CDB) {
      return bitPointer >= 0 ? ScsiException.invalidCdbField(fieldPointer, bitPointer)
          : ScsiException.invalidCdbField(fieldPointer);
    }
    if (fieldPointer >= 0 && reason == SenseReason.INVALID_FIELD_IN_PARAMETER_LIST) {
      return ScsiException.invalidParameterField(fieldPointer);
    }
    return new ScsiException(reason);
  }

  public byte[] encode() {
    return PrWire.encode(out -> {
      out.writeByte(VERSION);
      out.writeByte(status.ordinal());
      PrWire.writeNullable(out, reason == null ? null : reason.name());
      out.writeInt(fieldPointer);
      out.writeInt(bitPointer);
      out.writeInt(unitAttentions.size());
      for (Ua ua : unitAttentions) {
        writeRegistrant(out, ua.target());
        out.writeUTF(ua.reason().name());
      }
      out.writeInt(aborted.size());
      for (Registrant r : aborted) {
        writeRegistrant(out, r);
      }
    });
  }

  /** Decodes {@link #encode} output; IllegalArgumentException on anything malformed. */
  public static PrOutcome decode(byte[] b) {
    return PrWire.decode(b, "reservation outcome", PrOutcome::read);
  }

  private static PrOutcome read(DataInputStream in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new IllegalArgumentException("unknown reservation outcome version " + version);
    }
    Status status = Status.of(in.readUnsignedByte());
    String reasonName = PrWire.readNullable(in);
    SenseReason reason = reasonName == null ? null : reason(reasonName);
    int fieldPointer = in.readInt();
    int bitPointer = in.readInt();
    int n = readCount(in, MAX_ENTRIES, "unit attention");
    List<Ua> uas = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      uas.add(new Ua(readRegistrant(in), reason(in.readUTF())));
    }
    int m = readCount(in, MAX_ENTRIES, "aborted registrant");
    List<Registrant> aborted = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      aborted.add(readRegistrant(in));
    }
    return new PrOutcome(status, reason, fieldPointer, bitPointer, uas, aborted);
  }

  private static SenseReason reason(String name) {
    try {
      return SenseReason.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown sense reason " + name, e);
    }
  }
}
