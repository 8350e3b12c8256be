package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.pr.PrState.Registration;
import io.blockraft.target.scsi.pr.PrState.Reservation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of a {@link PrState}, kept in the volume metadata under "pr" while APTPL is set
 * (SPC-4 5.13.5: registrations and the reservation persist through power loss). Versioned, all
 * counts bounded on decode.
 */
public final class PrStateCodec {
  private static final int MAGIC = 0x42525052; // "BRPR"
  private static final int VERSION = 1;

  private PrStateCodec() {}

  public static byte[] encode(PrState s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
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
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes {@link #encode} output; throws IllegalArgumentException on anything malformed. */
  public static PrState decode(byte[] b) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      if (in.readInt() != MAGIC || in.readUnsignedByte() != VERSION) {
        throw new IllegalArgumentException("not a PR state record");
      }
      int generation = in.readInt();
      boolean aptpl = in.readBoolean();
      int n = in.readInt();
      if (n < 0 || n > PrStateMachine.MAX_REGISTRATIONS) {
        throw new IllegalArgumentException("bad registration count " + n);
      }
      List<Registration> regs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        regs.add(new Registration(readRegistrant(in), in.readLong()));
      }
      Reservation res = null;
      if (in.readBoolean()) {
        PrType type = PrType.of(in.readUnsignedByte());
        if (type == null) {
          throw new IllegalArgumentException("bad reservation type");
        }
        Registrant holder = in.readBoolean() ? readRegistrant(in) : null;
        res = new Reservation(type, holder);
      }
      return new PrState(generation, regs, res, aptpl);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated PR state record", e);
    }
  }

  private static void writeRegistrant(DataOutputStream out, Registrant r) throws IOException {
    out.writeUTF(r.initiatorName());
    writeNullable(out, r.isid());
    writeNullable(out, r.targetName());
    out.writeInt(r.targetPortGroup());
    out.writeInt(r.relativeTargetPort());
  }

  private static Registrant readRegistrant(DataInputStream in) throws IOException {
    String name = in.readUTF();
    String isid = readNullable(in);
    String target = readNullable(in);
    int tpg = in.readInt();
    int rtpi = in.readInt();
    return new Registrant(name, isid, target, tpg, rtpi);
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
