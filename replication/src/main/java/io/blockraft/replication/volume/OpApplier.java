package io.blockraft.replication.volume;

import static io.blockraft.replication.volume.VolumeStateMachine.FENCED;
import static io.blockraft.replication.volume.VolumeStateMachine.INVALID;
import static io.blockraft.replication.volume.VolumeStateMachine.OK;
import static io.blockraft.replication.volume.VolumeStateMachine.OUT_OF_RANGE;
import static io.blockraft.replication.volume.VolumeStateMachine.status;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.storage.Volume;
import java.nio.ByteBuffer;
import java.util.function.Predicate;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * What one data {@link VolumeOp} does to a replica's volume: the deterministic heart of {@link
 * VolumeStateMachine#applyTransaction}. Everything is decided from the op, the payload and the
 * replica's own state, so every replica reaches the same bytes and the same reply. An op that no
 * longer fits the volume (a concurrent resize made it smaller) changes nothing and answers
 * OUT_OF_RANGE everywhere.
 *
 * <p>An op that carries an issuer is first judged by the node's write guard ({@code permits},
 * see {@link io.blockraft.replication.WriteGuard}): refused, it changes nothing and answers
 * FENCED, on every replica alike (the guard reads the replica's own metadata at this point of the
 * log). In a batch each write is judged on its own.
 *
 * <p>Replies: a status byte ({@code OK}, {@code OUT_OF_RANGE}, {@code INVALID}, {@code FENCED});
 * COMPARE AND WRITE adds the miscompare offset (8 bytes, -1 when equal); a WRITE_BATCH adds one
 * status byte per write, in order.
 */
final class OpApplier {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OpApplier.class);

  private OpApplier() {}

  /**
   * Applies {@code op}; {@code payload} holds exactly {@link VolumeOp#payloadBytes} bytes (null
   * when the op has none); {@code permits} judges issuers (null: every issuer may write).
   */
  static Message apply(Volume v, VolumeOp op, ByteBuffer payload, Predicate<byte[]> permits) {
    try {
      if (!(op instanceof VolumeOp.WriteBatch) && !permitted(op.issuer(), permits)) {
        return status(FENCED);
      }
      if (op instanceof VolumeOp.Write w) {
        if (!fits(v, w.lba(), w.count())) {
          return status(OUT_OF_RANGE);
        }
        v.write(w.lba(), w.count(), payload);
      } else if (op instanceof VolumeOp.WriteBatch b) {
        return applyBatch(v, b, payload, permits);
      } else if (op instanceof VolumeOp.CompareWrite c) {
        if (!fits(v, c.lba(), c.count())) {
          return status(OUT_OF_RANGE);
        }
        int half = c.count() * v.logicalBlockSize();
        ByteBuffer verify = payload.slice(payload.position(), half);
        ByteBuffer data = payload.slice(payload.position() + half, half);
        long r = v.compareAndWrite(c.lba(), c.count(), verify, data);
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(
            ByteBuffer.allocate(9).put(OK).putLong(r).flip()));
      } else if (op instanceof VolumeOp.Unmap u) {
        if (!fits(v, u.lba(), u.count())) {
          return status(OUT_OF_RANGE);
        }
        v.unmap(u.lba(), u.count());
      } else if (op instanceof VolumeOp.WriteZeroes z) {
        if (!fits(v, z.lba(), z.count())) {
          return status(OUT_OF_RANGE);
        }
        v.writeZeroes(z.lba(), z.count());
      } else if (op instanceof VolumeOp.Resize r) {
        v.resize(r.blocks());
      } else if (op instanceof VolumeOp.PutMeta m) {
        v.putMeta(m.key(), m.value());
      }
      return status(OK);
    } catch (IllegalArgumentException e) {
      return status(INVALID);
    }
  }

  /**
   * Each write of the batch exactly as its own WRITE entry would apply, in order; one that does
   * not fit is skipped with OUT_OF_RANGE and the others still apply (they are independent
   * commands).
   */
  private static Message applyBatch(Volume v, VolumeOp.WriteBatch b, ByteBuffer payload,
      Predicate<byte[]> permits) {
    int bs = v.logicalBlockSize();
    ByteBuffer reply = ByteBuffer.allocate(1 + b.writes().size()).put(OK);
    int at = payload.position();
    for (VolumeOp.Write w : b.writes()) {
      int len = w.count() * bs; // the whole payload's size matched the sum, so no overflow here
      if (!permitted(w.issuer(), permits)) {
        reply.put(FENCED);
      } else if (fits(v, w.lba(), w.count())) {
        v.write(w.lba(), w.count(), payload.slice(at, len));
        reply.put(OK);
      } else {
        reply.put(OUT_OF_RANGE);
      }
      at += len;
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.flip()));
  }

  /**
   * {@code guard}'s judgement at this point of the log, reading the guarded key of {@code v} once
   * per entry, and only when an issued op asks; null when there is no guard. A guard that throws
   * permits: the same on every replica, and no worse than no guard.
   */
  static Predicate<byte[]> fence(Volume v, MetaTransforms.Guard guard, String volumeName) {
    if (guard == null) {
      return null;
    }
    return new Predicate<>() {
      private boolean read;
      private byte[] value;

      @Override
      public boolean test(byte[] issuer) {
        if (!read) {
          value = v.getMeta(guard.key());
          read = true;
        }
        try {
          return guard.guard().permits(value, issuer);
        } catch (RuntimeException e) {
          log.warn("volume {}: write guard failed, write permitted: {}", volumeName, e.toString());
          return true;
        }
      }
    };
  }

  private static boolean permitted(byte[] issuer, Predicate<byte[]> permits) {
    return issuer == null || permits == null || permits.test(issuer);
  }

  private static boolean fits(Volume v, long lba, long count) {
    return lba >= 0 && count >= 0 && lba <= v.blockCount() - count;
  }
}
