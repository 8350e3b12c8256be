package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The building blocks of the replicated reservation records ({@link PrStateCodec}, {@link PrOp},
 * {@link PrOutcome}): big-endian fields, strings as modified UTF-8 with a 16-bit length, strict
 * booleans. Decoding never trusts a count or length: each is checked before use, a record must be
 * consumed exactly, and anything malformed is an IllegalArgumentException.
 */
final class PrWire {
  /** ISIDs are 6 bytes (RFC 7143 10.12.5); anything longer is not one of ours. */
  private static final int MAX_ISID = 16;

  private PrWire() {}

  @FunctionalInterface
  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  @FunctionalInterface
  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static byte[] encode(Writer w) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes all of {@code b} with {@code r}; truncated input or trailing bytes are rejected. */
  static <T> T decode(byte[] b, String what, Reader<T> r) {
    if (b == null) {
      throw new IllegalArgumentException("no " + what);
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      T value = r.read(in);
      if (in.available() != 0) {
        throw new IllegalArgumentException(in.available() + " trailing bytes after " + what);
      }
      return value;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated or malformed " + what, e);
    }
  }

  static boolean readFlag(DataInputStream in) throws IOException {
    int v = in.readUnsignedByte();
    if (v > 1) {
      throw new IllegalArgumentException("bad flag byte " + v);
    }
    return v == 1;
  }

  /** A count in [0, max]. */
  static int readCount(DataInputStream in, int max, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) {
      throw new IllegalArgumentException("bad " + what + " count " + n);
    }
    return n;
  }

  static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  static String readNullable(DataInputStream in) throws IOException {
    return readFlag(in) ? in.readUTF() : null;
  }

  static void writeRegistrant(DataOutputStream out, Registrant r) throws IOException {
    out.writeUTF(r.initiatorName());
    writeNullable(out, r.isid());
    writeNullable(out, r.targetName());
    out.writeInt(r.targetPortGroup());
    out.writeInt(r.relativeTargetPort());
  }

  static Registrant readRegistrant(DataInputStream in) throws IOException {
    String name = in.readUTF();
    String isid = readNullable(in);
    String target = readNullable(in);
    int tpg = in.readInt();
    int rtpi = in.readInt();
    return new Registrant(name, isid, target, tpg, rtpi);
  }

  /** An I_T nexus or null: everything {@link ItNexus#equals} compares, and the relative port. */
  static void writeNexus(DataOutputStream out, ItNexus n) throws IOException {
    out.writeBoolean(n != null);
    if (n == null) {
      return;
    }
    out.writeUTF(n.initiatorName());
    byte[] isid = n.isid();
    out.writeByte(isid.length);
    out.write(isid);
    out.writeUTF(n.targetName());
    out.writeInt(n.targetPortGroup());
    out.writeInt(n.relativeTargetPortId());
  }

  static ItNexus readNexus(DataInputStream in) throws IOException {
    if (!readFlag(in)) {
      return null;
    }
    String initiator = in.readUTF();
    int isidLength = in.readUnsignedByte();
    if (isidLength > MAX_ISID) {
      throw new IllegalArgumentException("bad ISID length " + isidLength);
    }
    byte[] isid = new byte[isidLength];
    in.readFully(isid);
    String target = in.readUTF();
    int tpg = in.readInt();
    int rtpi = in.readInt();
    return new ItNexus(initiator, isid, target, tpg, rtpi);
  }
}
