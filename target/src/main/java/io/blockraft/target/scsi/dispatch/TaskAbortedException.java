package io.blockraft.target.scsi.dispatch;

/** The task was aborted by task management while it ran. */
public final class TaskAbortedException extends RuntimeException {
  public TaskAbortedException() {
    super("task aborted", null, false, false);
  }
}
