package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.OpcodeTable;

/**
 * The third-party copy commands in the opcode table: SPC-4 6.4 EXTENDED COPY (LID1) and 6.18
 * RECEIVE COPY RESULTS, scoped as LIO's target_core_xcopy scopes them: block to block segments
 * between logical units this node serves, named by Identification descriptor CSCD descriptors
 * carrying the LU's NAA designator. Each registration gets its own copy manager state (list
 * identifiers in use, held copy statuses), so one per SCSI target device.
 */
public final class XcopyCommands {
  public static final int EXTENDED_COPY = 0x83;
  public static final int RECEIVE_COPY_RESULTS = 0x84;
  public static final int SA_EXTENDED_COPY_LID1 = 0x00;

  private XcopyCommands() {}

  /** Registers the commands; copy targets are the LUs of the receiving SCSI target device. */
  public static void register(OpcodeTable t) {
    register(t, CopyTargetLocator.sameTarget());
  }

  /** Registers the commands with the copy targets {@code locator} offers. */
  public static void register(OpcodeTable t, CopyTargetLocator locator) {
    CopyManager manager = new CopyManager();
    ExtendedCopy xcopy = new ExtendedCopy(manager, locator);
    ReceiveCopyResults rcr = new ReceiveCopyResults(manager);
    // SPC-4 6.4; SPC-4 Table 66: conflicts under Write Exclusive and Exclusive Access. Copy
    // targets other than the addressed LU are checked per segment (CopyPlanner).
    t.register(CommandSpec.of(EXTENDED_COPY, SA_EXTENDED_COPY_LID1, "EXTENDED COPY(LID1)", 16)
        .usage(0, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.WRITE)
        .handler(xcopy::execute));
    // SPC-4 6.18; allowed under every persistent reservation type (SPC-4 Table 66)
    t.register(rcr(ReceiveCopyResults.SA_COPY_STATUS, "RECEIVE COPY RESULTS(COPY STATUS)")
        .handler(rcr::copyStatus));
    t.register(rcr(ReceiveCopyResults.SA_OPERATING_PARAMETERS,
        "RECEIVE COPY RESULTS(OPERATING PARAMETERS)")
        .handler(rcr::operatingParameters));
    t.register(rcr(ReceiveCopyResults.SA_FAILED_SEGMENT_DETAILS,
        "RECEIVE COPY RESULTS(FAILED SEGMENT DETAILS)")
        .handler(rcr::failedSegmentDetails));
  }

  private static CommandSpec.Builder rcr(int serviceAction, String name) {
    return CommandSpec.of(RECEIVE_COPY_RESULTS, serviceAction, name, 16)
        .usage(0, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.NEVER);
  }
}
