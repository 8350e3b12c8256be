package io.blockraft.target.scsi.dispatch;

/** Ends a command with RESERVATION CONFLICT status (no sense), e.g. from PR OUT. */
public final class ReservationConflictException extends RuntimeException {
  public ReservationConflictException() {
    super("reservation conflict", null, false, false);
  }
}
