package io.blockraft.replication;

/**
 * A data change was refused at apply time by the node's {@link WriteGuard}: on every replica
 * nothing changed. The SCSI layer answers RESERVATION CONFLICT.
 */
public class WriteFencedException extends RuntimeException {
  public WriteFencedException(String message) {
    super(message);
  }
}
