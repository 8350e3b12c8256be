package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrWire.readCount;
import static io.blockraft.target.scsi.pr.PrWire.readFlag;
import static io.blockraft.target.scsi.pr.PrWire.readNexus;
import static io.blockraft.target.scsi.pr.PrWire.readRegistrant;
import static io.blockraft.target.scsi.pr.PrWire.writeNexus;
import static io.blockraft.target.scsi.pr.PrWire.writeRegistrant;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.pr.PrState.Registration;
import io.blockraft.target.scsi.pr.PrState.Reservation;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of a {@link ReservationState}, the value of the replicated metadata key "pr"
 * (SPC-4 5.13 persistent reservations plus the SPC-2 5.5.1 holder). Versioned; every count is
 * bounded and the record must be consumed exactly.
 *
 * <ul>
 *   <li>version 1 (older nodes, written only while APTPL was set): the {@link PrState} alone;
 *       decoded with no SPC-2 holder;
 *   <li>version 2: the {@link PrState}, then the SPC-2 holder's I_T nexus (or none).
 * </ul>
 */
public final class PrStateCodec {
  private static final int MAGIC = 0x42525052; // "BRPR"
  private static final int VERSION_PR_ONLY = 1;
  private static final int VERSION = 2;

  private PrStateCodec() {}

  public static byte[] encode(ReservationState v) {
    return PrWire.encode(out -> {
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      PrState s = v.pr();
      out.writeInt(s.generation());
      out.writeBoolean(s.aptpl());
      out.writeInt(s.registrations().size());
      for (Registration r : s.registrations()) {
        writeRegistrant(out, r.registrant());
        out.writeLong(r.key());
      }
      Reservation res = s.reservation();
      out.writeBoolean(res != null);
      if (res != null) {
        out.writeByte(res.type().code);
        out.writeBoolean(res.holder() != null);
        if (res.holder() != null) {
          writeRegistrant(out, res.holder());
        }
      }
      writeNexus(out, v.spc2Holder());
    });
  }

  /** Decodes {@link #encode} output (and version 1); IllegalArgumentException on anything else. */
  public static ReservationState decode(byte[] b) {
    return PrWire.decode(b, "reservation state record", PrStateCodec::read);
  }

  private static ReservationState read(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IllegalArgumentException("not a reservation state record");
    }
    int version = in.readUnsignedByte();
    if (version != VERSION && version != VERSION_PR_ONLY) {
      throw new IllegalArgumentException("unknown reservation state version " + version);
    }
    int generation = in.readInt();
    boolean aptpl = readFlag(in);
    int n = readCount(in, PrStateMachine.MAX_REGISTRATIONS, "registration");
    List<Registration> regs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Registration r = new Registration(readRegistrant(in), in.readLong());
      if (r.key() == 0) {
        throw new IllegalArgumentException("registration with key zero");
      }
      regs.add(r);
    }
    Reservation res = null;
    if (readFlag(in)) {
      PrType type = PrType.of(in.readUnsignedByte());
      if (type == null) {
        throw new IllegalArgumentException("bad reservation type");
      }
      Registrant holder = readFlag(in) ? readRegistrant(in) : null;
      res = new Reservation(type, holder);
    }
    ItNexus spc2Holder = version == VERSION ? readNexus(in) : null;
    return new ReservationState(new PrState(generation, regs, res, aptpl), spc2Holder);
  }
}
