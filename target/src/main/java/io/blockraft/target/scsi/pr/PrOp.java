package io.blockraft.target.scsi.pr;

import static io.blockraft.target.scsi.pr.PrWire.readCount;
import static io.blockraft.target.scsi.pr.PrWire.readNexus;
import static io.blockraft.target.scsi.pr.PrWire.readNullable;
import static io.blockraft.target.scsi.pr.PrWire.writeNexus;
import static io.blockraft.target.scsi.pr.PrWire.writeNullable;

import io.blockraft.target.scsi.ItNexus;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One replicated change of a logical unit's reservations, as it travels through the log
 * ({@link PrTransform}): SPC-4 6.16 PERSISTENT RESERVE OUT, SPC-2 7.21/7.17 RESERVE and RELEASE,
 * the SPC-2 5.5.1 release on I_T nexus loss and on LOGICAL UNIT RESET / target reset (which also
 * carry the reset's unit attention to the other nodes' I_T nexuses, SAM-5 6.3.3), and the SPC-4
 * 5.13.5 power on. Versioned binary form; decoding checks every count and length.
 *
 * @param kind what happened
 * @param issuer the I_T nexus it came from; null only for {@link Kind#POWER_ON} and for resets
 *     logged before resets named their issuer
 * @param request the PERSISTENT RESERVE OUT request ({@link Kind#PR_OUT} only, else null)
 */
public record PrOp(Kind kind, ItNexus issuer, PrOutRequest request) {
  private static final int VERSION = 1;
  /** More TransportIDs than the longest parameter list can carry is not a request of ours. */
  private static final int MAX_TRANSPORT_IDS = PrOutRequest.MAX_LENGTH / 24;

  /** The operations, with their stable codes in the log. */
  public enum Kind {
    /** RESET is LOGICAL UNIT RESET (and, with a null issuer, an older node's target reset). */
    PR_OUT(1), RESERVE(2), RELEASE(3), NEXUS_LOST(4), RESET(5), POWER_ON(6), TARGET_RESET(7);

    final int code;

    Kind(int code) {
      this.code = code;
    }

    static Kind of(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown reservation operation " + code);
    }

    boolean needsIssuer() {
      return this != RESET && this != TARGET_RESET && this != POWER_ON;
    }
  }

  public PrOp {
    if (kind == null || (kind.needsIssuer() && issuer == null)
        || ((kind == Kind.PR_OUT) != (request != null))) {
      throw new IllegalArgumentException("incomplete reservation operation " + kind);
    }
  }

  public byte[] encode() {
    return PrWire.encode(out -> {
      out.writeByte(VERSION);
      out.writeByte(kind.code);
      writeNexus(out, issuer);
      if (request != null) {
        writeRequest(out, request);
      }
    });
  }

  /** Decodes {@link #encode} output; IllegalArgumentException on anything malformed. */
  public static PrOp decode(byte[] b) {
    return PrWire.decode(b, "reservation operation", in -> {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown reservation operation version " + version);
      }
      Kind kind = Kind.of(in.readUnsignedByte());
      ItNexus issuer = readNexus(in);
      PrOutRequest request = kind == Kind.PR_OUT ? readRequest(in) : null;
      return new PrOp(kind, issuer, request);
    });
  }

  private static void writeRequest(DataOutputStream out, PrOutRequest r) throws IOException {
    out.writeByte(r.serviceAction());
    out.writeByte(r.scope());
    out.writeByte(r.typeCode());
    out.writeLong(r.reservationKey());
    out.writeLong(r.serviceActionKey());
    out.writeByte((r.specIpt() ? 1 : 0) | (r.allTgPt() ? 2 : 0) | (r.aptpl() ? 4 : 0)
        | (r.unreg() ? 8 : 0));
    out.writeShort(r.relativeTargetPort());
    out.writeInt(r.transportIds().size());
    for (TransportId id : r.transportIds()) {
      out.writeUTF(id.initiatorName());
      writeNullable(out, id.isid());
    }
  }

  private static PrOutRequest readRequest(DataInputStream in) throws IOException {
    int sa = in.readUnsignedByte();
    int scope = in.readUnsignedByte();
    int type = in.readUnsignedByte();
    long key = in.readLong();
    long sark = in.readLong();
    int flags = in.readUnsignedByte();
    if (flags > 0x0f) {
      throw new IllegalArgumentException("bad request flags " + flags);
    }
    int rtpi = in.readUnsignedShort();
    int n = readCount(in, MAX_TRANSPORT_IDS, "TransportID");
    List<TransportId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(new TransportId(in.readUTF(), readNullable(in)));
    }
    if (sa == PrOutRequest.REGISTER_AND_MOVE && n != 1) {
      throw new IllegalArgumentException("REGISTER AND MOVE needs one TransportID, not " + n);
    }
    return new PrOutRequest(sa, scope, type, key, sark, (flags & 1) != 0, (flags & 2) != 0,
        (flags & 4) != 0, ids, (flags & 8) != 0, rtpi);
  }

  /** Short form for logs. */
  @Override
  public String toString() {
    return kind + (request == null ? "" : " SA " + request.serviceAction()) + " from " + issuer;
  }
}
