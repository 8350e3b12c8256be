package io.blockraft.target.scsi.dispatch;

/**
 * The target lacks the resources (buffer memory) to run the task now: it ends with TASK SET FULL
 * status (SAM-5 5.3.1), which initiators retry later.
 */
public final class TaskSetFullException extends RuntimeException {
  public TaskSetFullException(String why) {
    super(why, null, false, false);
  }
}
