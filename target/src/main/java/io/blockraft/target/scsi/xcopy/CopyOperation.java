package io.blockraft.target.scsi.xcopy;

/**
 * One EXTENDED COPY as RECEIVE COPY RESULTS reports it (SPC-4 6.18.3 COPY STATUS, 6.18.5 FAILED
 * SEGMENT DETAILS): progress while it runs, then its outcome. Progress fields are written by the
 * one copy that owns the operation and read by any RECEIVE COPY RESULTS.
 */
final class CopyOperation {
  /** COPY MANAGER STATUS codes (SPC-4 Table 522). */
  static final int IN_PROGRESS = 0x00;
  static final int COMPLETED_GOOD = 0x01;
  static final int COMPLETED_WITH_ERROR = 0x02;

  final CopyManager.Key key;
  final int listIdUsage;
  private volatile int status = IN_PROGRESS;
  private volatile int segmentsProcessed;
  private volatile long bytesTransferred;
  private volatile int completionStatus;
  private volatile byte[] sense;

  CopyOperation(CopyManager.Key key, int listIdUsage) {
    this.key = key;
    this.listIdUsage = listIdUsage;
  }

  int status() {
    return status;
  }

  int segmentsProcessed() {
    return segmentsProcessed;
  }

  long bytesTransferred() {
    return bytesTransferred;
  }

  /** SCSI status the EXTENDED COPY ended with (valid once completed). */
  int completionStatus() {
    return completionStatus;
  }

  /** Sense data of a failed copy, or null. */
  byte[] sense() {
    return sense;
  }

  void addBytes(long n) {
    bytesTransferred += n; // single writer: the copy's own completion chain
  }

  void segmentDone() {
    segmentsProcessed++;
  }

  void completed(int scsiStatus, byte[] senseData) {
    completionStatus = scsiStatus;
    sense = senseData;
    status = senseData == null && scsiStatus == 0 ? COMPLETED_GOOD : COMPLETED_WITH_ERROR;
  }
}
