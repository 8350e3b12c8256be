package io.blockraft.replication;

/**
 * A deterministic change of one per-volume metadata value, evaluated at apply time on every
 * replica (ARCHITECTURE.md: commands whose result depends on shared state are single Raft entries
 * evaluated at apply time). The SCSI layer supplies the function (persistent reservations are one);
 * replication only stores {@code (key, value)} and runs it, so it stays free of SCSI.
 *
 * <p>It must be a pure function of {@code (current, op)}: no clock, randomness, node id or other
 * local state, so every replica computes the same value and result, during normal apply and
 * during replay after a restart.
 */
@FunctionalInterface
public interface MetaTransform {

  /**
   * @param current the stored value of the key, null when absent
   * @param op the request, as given to {@link ReplicatedVolume#transformMeta}
   * @return the new value (null deletes the key; returning {@code current} itself stores nothing)
   *     and the result handed back to the caller and to every {@link MetaListener}
   */
  Outcome apply(byte[] current, byte[] op);

  /**
   * @param value the new value (null: delete)
   * @param result what the requester receives (never null; may be empty)
   */
  record Outcome(byte[] value, byte[] result) {}
}
