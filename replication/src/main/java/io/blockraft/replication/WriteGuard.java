package io.blockraft.replication;

/**
 * Decides, at apply time and on every replica, whether a data change sent on behalf of an issuer
 * may change the volume, from the current value of one metadata key (the SCSI layer's
 * reservation state). A data op that carries an issuer ({@link ReplicatedVolume#issuedBy}) and is
 * refused changes nothing, on any replica, and fails with {@link WriteFencedException}.
 *
 * <p>This is what makes a reservation fence writes already on their way when it changes: the
 * SCSI layer checks every command against the state its node has applied, but a write checked at
 * one node before a PREEMPT committed can reach the log after it; checked again here, at its
 * place in the log, it is refused exactly where the reservation says so.
 *
 * <p>Must be a pure function of its arguments (every replica must reach the same answer, also
 * when it replays the log after a restart), cheap (it runs once per write) and must not throw.
 */
@FunctionalInterface
public interface WriteGuard {
  /**
   * @param value the guarded key's value at this point of the log (null when absent)
   * @param issuer the bytes the op carries (as given to {@link ReplicatedVolume#issuedBy})
   * @return true when the change may apply
   */
  boolean permits(byte[] value, byte[] issuer);
}
