package io.blockraft.replication;

/** The volume cannot serve I/O right now (no quorum, not started, shutting down). */
public class VolumeUnavailableException extends RuntimeException {
  public VolumeUnavailableException(String message) {
    super(message);
  }
}
