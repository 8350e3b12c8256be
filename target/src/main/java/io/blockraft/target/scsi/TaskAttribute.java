package io.blockraft.target.scsi;

/** SAM-5 8.6 task attributes (values as in the iSCSI SCSI Command PDU ATTR field). */
public enum TaskAttribute {
  UNTAGGED, SIMPLE, ORDERED, HEAD_OF_QUEUE, ACA;

  public static TaskAttribute fromIscsi(int attr) {
    return switch (attr & 7) {
      case 0 -> UNTAGGED;
      case 1 -> SIMPLE;
      case 2 -> ORDERED;
      case 3 -> HEAD_OF_QUEUE;
      case 4 -> ACA;
      default -> SIMPLE;
    };
  }
}
