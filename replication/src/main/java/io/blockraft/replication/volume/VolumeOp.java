package io.blockraft.replication.volume;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One mutating step of a volume as it travels in the Raft log: a small header (the log entry's
 * data) plus, for WRITE and COMPARE AND WRITE, the payload, which travels separately as Ratis
 * state-machine data (see {@link DataLog}). The header is what {@link VolumeStateMachine} parses;
 * every field is checked before use.
 *
 * <pre>
 *   WRITE            'W' lba:8 count:4              payload = count blocks
 *   WRITE_BATCH      'B' n:4 n * (lba:8 count:4)    payload = the n writes' blocks, in order
 *   COMPARE_WRITE    'C' lba:8 count:4              payload = verify (count blocks) + data (count blocks)
 *   UNMAP            'U' lba:8 count:8
 *   WRITE_ZEROES     'Z' lba:8 count:8
 *   RESIZE           'R' blocks:8
 *   PUT_META         'M' keyLen:2 key [valueLen:4 value | -1:4 (delete)]
 *   TRANSFORM_META   'T' keyLen:2 key opLen:4 op
 * </pre>
 *
 * <p>Issued ops: WRITE, WRITE_BATCH, COMPARE_WRITE, UNMAP and WRITE_ZEROES sent on behalf of
 * an issuer (the SCSI layer's I_T nexus, opaque here) carry it, and the node's {@link
 * io.blockraft.replication.WriteGuard} judges it at apply time. They use the lower-case type
 * letter and append {@code issuerLen:2 issuer} (1..{@value #MAX_ISSUER_BYTES} bytes) to the fields
 * above; in an issued batch ('b') every write carries its own ({@code issuerLen} 0: none).
 *
 * <p>WRITE_BATCH is several independent WRITEs that were in flight together, sent as one entry
 * ({@link WriteBatcher}): each applies as its own WRITE would, in the listed order.
 *
 * <p>In the log, headers of ops with a payload are followed by zero padding (ignored here).
 *
 * <p>A client request's message is {@code headerLen:4 header payload}; {@link
 * VolumeStateMachine#startTransaction} splits it into the two parts without copying.
 */
public sealed interface VolumeOp {

  byte WRITE = 'W';
  byte WRITE_BATCH = 'B';
  byte COMPARE_WRITE = 'C';
  byte UNMAP = 'U';
  byte WRITE_ZEROES = 'Z';
  byte RESIZE = 'R';
  byte PUT_META = 'M';
  byte TRANSFORM_META = 'T';

  /** Largest metadata key or value carried in a header. */
  int MAX_META_BYTES = 1 << 20;

  /** Most writes one WRITE_BATCH carries. */
  int MAX_BATCH_WRITES = 1024;

  /** Largest issuer an op carries. */
  int MAX_ISSUER_BYTES = 1024;

  /** The issuer this op was sent on behalf of, or null. */
  default byte[] issuer() {
    return null;
  }

  /** Bytes of payload this op expects for a volume with {@code blockSize}-byte blocks. */
  default long payloadBytes(int blockSize) {
    return 0;
  }

  record Write(long lba, int count, byte[] issuer) implements VolumeOp {
    public Write(long lba, int count) {
      this(lba, count, null);
    }

    @Override
    public long payloadBytes(int blockSize) {
      return (long) count * blockSize;
    }
  }

  /** Independent writes applied one after the other; at least two, at most {@link #MAX_BATCH_WRITES}. */
  record WriteBatch(List<Write> writes) implements VolumeOp {
    public WriteBatch {
      writes = List.copyOf(writes);
      if (writes.size() < 2 || writes.size() > MAX_BATCH_WRITES) {
        throw new IllegalArgumentException("a write batch holds 2.." + MAX_BATCH_WRITES
            + " writes, not " + writes.size());
      }
    }

    @Override
    public long payloadBytes(int blockSize) {
      long n = 0;
      for (Write w : writes) {
        n += w.payloadBytes(blockSize);
      }
      return n;
    }
  }

  record CompareWrite(long lba, int count, byte[] issuer) implements VolumeOp {
    public CompareWrite(long lba, int count) {
      this(lba, count, null);
    }

    @Override
    public long payloadBytes(int blockSize) {
      return 2L * count * blockSize;
    }
  }

  record Unmap(long lba, long count, byte[] issuer) implements VolumeOp {
    public Unmap(long lba, long count) {
      this(lba, count, null);
    }
  }

  record WriteZeroes(long lba, long count, byte[] issuer) implements VolumeOp {
    public WriteZeroes(long lba, long count) {
      this(lba, count, null);
    }
  }

  record Resize(long blocks) implements VolumeOp {}

  record PutMeta(String key, byte[] value) implements VolumeOp {}

  record TransformMeta(String key, byte[] op) implements VolumeOp {}

  /** The header bytes of {@code op}. */
  static byte[] encode(VolumeOp op) {
    ByteBuffer b;
    if (op instanceof Write w) {
      b = issued(WRITE, 12, w.issuer()).putLong(w.lba()).putInt(w.count());
    } else if (op instanceof WriteBatch wb) {
      boolean issued = wb.writes().stream().anyMatch(w -> w.issuer() != null);
      int size = 5;
      for (Write w : wb.writes()) {
        size += 12 + (issued ? 2 + issuerLength(w.issuer()) : 0);
      }
      b = ByteBuffer.allocate(size).put(issued ? lower(WRITE_BATCH) : WRITE_BATCH)
          .putInt(wb.writes().size());
      for (Write w : wb.writes()) {
        b.putLong(w.lba()).putInt(w.count());
        if (issued) {
          putIssuer(b, w.issuer());
        }
      }
    } else if (op instanceof CompareWrite c) {
      b = issued(COMPARE_WRITE, 12, c.issuer()).putLong(c.lba()).putInt(c.count());
    } else if (op instanceof Unmap u) {
      b = issued(UNMAP, 16, u.issuer()).putLong(u.lba()).putLong(u.count());
    } else if (op instanceof WriteZeroes z) {
      b = issued(WRITE_ZEROES, 16, z.issuer()).putLong(z.lba()).putLong(z.count());
    } else if (op instanceof Resize r) {
      b = ByteBuffer.allocate(9).put(RESIZE).putLong(r.blocks());
    } else if (op instanceof PutMeta m) {
      byte[] k = key(m.key());
      int vlen = m.value() == null ? 0 : m.value().length;
      b = ByteBuffer.allocate(1 + 2 + k.length + 4 + vlen).put(PUT_META).putShort((short) k.length).put(k);
      if (m.value() == null) {
        b.putInt(-1);
      } else {
        b.putInt(vlen).put(m.value());
      }
    } else if (op instanceof TransformMeta t) {
      byte[] k = key(t.key());
      if (t.op().length > MAX_META_BYTES) {
        throw new IllegalArgumentException("metadata op of " + t.op().length + " bytes is too large");
      }
      b = ByteBuffer.allocate(1 + 2 + k.length + 4 + t.op().length)
          .put(TRANSFORM_META).putShort((short) k.length).put(k).putInt(t.op().length).put(t.op());
    } else {
      throw new IllegalArgumentException("unknown op " + op);
    }
    if (op.issuer() != null && !(op instanceof WriteBatch)) {
      putIssuer(b, op.issuer());
    }
    return b.array();
  }

  private static byte lower(byte type) {
    return (byte) Character.toLowerCase(type);
  }

  private static int issuerLength(byte[] issuer) {
    if (issuer == null) {
      return 0;
    }
    if (issuer.length == 0 || issuer.length > MAX_ISSUER_BYTES) {
      throw new IllegalArgumentException("an issuer is 1.." + MAX_ISSUER_BYTES + " bytes, not "
          + issuer.length);
    }
    return issuer.length;
  }

  /** A buffer for {@code type}'s fields ({@code fields} bytes) and its issuer, type written. */
  private static ByteBuffer issued(byte type, int fields, byte[] issuer) {
    if (issuer == null) {
      return ByteBuffer.allocate(1 + fields).put(type);
    }
    return ByteBuffer.allocate(1 + fields + 2 + issuerLength(issuer)).put(lower(type));
  }

  private static void putIssuer(ByteBuffer b, byte[] issuer) {
    b.putShort((short) issuerLength(issuer));
    if (issuer != null) {
      b.put(issuer);
    }
  }

  /** An issuer field: null for length 0 when {@code optional}, else 1..MAX_ISSUER_BYTES. */
  private static byte[] readIssuer(ByteBuffer h, boolean optional) {
    int len = h.getShort() & 0xffff;
    if (len == 0 && optional) {
      return null;
    }
    if (len == 0 || len > MAX_ISSUER_BYTES || len > h.remaining()) {
      throw new IllegalArgumentException("issuer length " + len + " out of range");
    }
    byte[] out = new byte[len];
    h.get(out);
    return out;
  }

  private static byte[] key(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    if (k.length == 0 || k.length > 255) {
      throw new IllegalArgumentException("metadata key must be 1..255 bytes");
    }
    return k;
  }

  /**
   * Parses a header.
   *
   * @throws IllegalArgumentException for anything malformed (unknown type, short or long input,
   *     negative counts, oversized metadata)
   */
  static VolumeOp decode(ByteBuffer h) {
    try {
      byte type = h.get();
      VolumeOp op = switch (type) {
        case WRITE -> new Write(h.getLong(), positive(h.getInt()));
        case 'w' -> new Write(h.getLong(), positive(h.getInt()), readIssuer(h, false));
        case WRITE_BATCH, 'b' -> {
          boolean issued = type == 'b';
          int n = h.getInt();
          if (n < 2 || n > MAX_BATCH_WRITES || (long) n * (issued ? 14 : 12) > h.remaining()) {
            throw new IllegalArgumentException("write batch of " + n + " writes out of range");
          }
          Write[] ws = new Write[n];
          for (int i = 0; i < n; i++) {
            ws[i] = new Write(h.getLong(), positive(h.getInt()), issued ? readIssuer(h, true) : null);
          }
          yield new WriteBatch(List.of(ws));
        }
        case COMPARE_WRITE -> new CompareWrite(h.getLong(), positive(h.getInt()));
        case 'c' -> new CompareWrite(h.getLong(), positive(h.getInt()), readIssuer(h, false));
        case UNMAP -> new Unmap(h.getLong(), nonNegative(h.getLong()));
        case 'u' -> new Unmap(h.getLong(), nonNegative(h.getLong()), readIssuer(h, false));
        case WRITE_ZEROES -> new WriteZeroes(h.getLong(), nonNegative(h.getLong()));
        case 'z' -> new WriteZeroes(h.getLong(), nonNegative(h.getLong()), readIssuer(h, false));
        case RESIZE -> new Resize(positive(h.getLong()));
        case PUT_META -> {
          String k = readKey(h);
          int len = h.getInt();
          if (len == -1) {
            yield new PutMeta(k, null);
          }
          yield new PutMeta(k, readBytes(h, len));
        }
        case TRANSFORM_META -> {
          String k = readKey(h);
          yield new TransformMeta(k, readBytes(h, h.getInt()));
        }
        default -> throw new IllegalArgumentException("unknown volume op type " + type);
      };
      // headers of ops with a payload carry zero padding in the log (see
      // VolumeStateMachine.PADDING_RATIO); anything else must end here
      if (h.hasRemaining() && !(op instanceof Write || op instanceof WriteBatch
          || op instanceof CompareWrite)) {
        throw new IllegalArgumentException("trailing bytes after volume op " + op);
      }
      return op;
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated volume op header");
    }
  }

  private static String readKey(ByteBuffer h) {
    int klen = h.getShort() & 0xffff;
    if (klen == 0 || klen > 255) {
      throw new IllegalArgumentException("metadata key length " + klen);
    }
    return new String(readBytes(h, klen), StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(ByteBuffer h, int len) {
    if (len < 0 || len > MAX_META_BYTES || len > h.remaining()) {
      throw new IllegalArgumentException("metadata length " + len + " out of range");
    }
    byte[] out = new byte[len];
    h.get(out);
    return out;
  }

  private static int positive(int v) {
    if (v <= 0) {
      throw new IllegalArgumentException("count must be positive: " + v);
    }
    return v;
  }

  private static long positive(long v) {
    if (v <= 0) {
      throw new IllegalArgumentException("count must be positive: " + v);
    }
    return v;
  }

  private static long nonNegative(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("count must not be negative: " + v);
    }
    return v;
  }
}
