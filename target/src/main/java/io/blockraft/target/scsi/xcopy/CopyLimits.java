package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.spc.BlockLimits;

/**
 * What this copy manager supports (SPC-4 6.18.4 RECEIVE COPY RESULTS operating parameters) and
 * enforces in EXTENDED COPY. One place, so what RECEIVE COPY RESULTS reports and what EXTENDED
 * COPY checks never drift.
 */
public final class CopyLimits {
  /** Parameter list header length (SPC-4 6.4.3.1 Table 28). */
  public static final int HEADER_LENGTH = 16;
  /** Length of every CSCD descriptor we accept (Identification descriptor, E4h). */
  public static final int CSCD_DESCRIPTOR_LENGTH = 32;
  /** Length of a block device to block device segment descriptor (02h). */
  public static final int B2B_SEGMENT_LENGTH = 28;
  /** MAXIMUM CSCD DESCRIPTOR COUNT. */
  public static final int MAX_CSCD_DESCRIPTORS = 16;
  /** MAXIMUM SEGMENT DESCRIPTOR COUNT. */
  public static final int MAX_SEGMENT_DESCRIPTORS = 64;
  /** MAXIMUM DESCRIPTOR LIST LENGTH: room for the maximum counts of the descriptors we take. */
  public static final int MAX_DESCRIPTOR_LIST_LENGTH =
      MAX_CSCD_DESCRIPTORS * CSCD_DESCRIPTOR_LENGTH + MAX_SEGMENT_DESCRIPTORS * B2B_SEGMENT_LENGTH;
  /** MAXIMUM SEGMENT LENGTH in bytes: one segment moves at most a maximum transfer's worth. */
  public static final int MAX_SEGMENT_BYTES = BlockLimits.MAX_TRANSFER_BYTES;
  /** MAXIMUM INLINE DATA LENGTH: no inline data (no segment descriptor we support uses it). */
  public static final int MAX_INLINE_DATA_LENGTH = 0;
  /** HELD DATA LIMIT: no held data (only stream destinations produce it). */
  public static final int HELD_DATA_LIMIT = 0;
  /** TOTAL CONCURRENT COPIES / MAXIMUM CONCURRENT COPIES of one copy manager. */
  public static final int MAX_CONCURRENT_COPIES = 16;
  /** Copy statuses held for RECEIVE COPY RESULTS per copy manager (oldest dropped first). */
  public static final int MAX_HELD_STATUSES = 256;
  /** Bytes read and written per step of a segment: the buffer one copy holds. */
  public static final int CHUNK_BYTES = 1 << 20;
  /** The most parameter bytes EXTENDED COPY ever fetches (bytes beyond are not looked at). */
  public static final int MAX_PARAMETER_BYTES =
      HEADER_LENGTH + MAX_DESCRIPTOR_LIST_LENGTH + MAX_INLINE_DATA_LENGTH;
  /** Implemented descriptor type codes, ascending (block to block segment, identification CSCD). */
  static final int[] IMPLEMENTED_DESCRIPTOR_TYPES = {
      XcopyParameterList.SEGMENT_BLOCK_TO_BLOCK, XcopyParameterList.CSCD_IDENTIFICATION};

  private CopyLimits() {}
}
