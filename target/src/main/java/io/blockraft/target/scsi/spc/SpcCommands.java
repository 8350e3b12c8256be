package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.alua.ReportTargetPortGroups;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.OpcodeTable;

/**
 * The SPC-4 primary commands (plus the SBC-4 unit/medium commands START STOP UNIT and READ
 * DEFECT DATA) in the opcode table. Reservation behaviour follows SPC-4 5.13.1 Table 66 and
 * SBC-4 4.17 Table 13; the unit attention exemptions SAM-5 5.14 / SPC-4 5.14.
 */
public final class SpcCommands {
  public static final int TEST_UNIT_READY = 0x00;
  public static final int REQUEST_SENSE = 0x03;
  public static final int INQUIRY = 0x12;
  public static final int MODE_SELECT_6 = 0x15;
  public static final int MODE_SENSE_6 = 0x1A;
  public static final int START_STOP_UNIT = 0x1B;
  public static final int PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1E;
  public static final int READ_DEFECT_DATA_10 = 0x37;
  public static final int MODE_SELECT_10 = 0x55;
  public static final int MODE_SENSE_10 = 0x5A;
  public static final int REPORT_LUNS = 0xA0;
  public static final int MAINTENANCE_IN = 0xA3;
  public static final int READ_DEFECT_DATA_12 = 0xB7;
  public static final int SA_REPORT_TARGET_PORT_GROUPS = ReportTargetPortGroups.SERVICE_ACTION;
  public static final int SA_REPORT_SUPPORTED_OPERATION_CODES = 0x0C;
  public static final int SA_REPORT_SUPPORTED_TMFS = 0x0D;

  private SpcCommands() {}

  public static void register(OpcodeTable t) {
    // SPC-4 6.47; allowed under every reservation type (SPC-4 Table 66)
    t.register(CommandSpec.of(TEST_UNIT_READY, "TEST UNIT READY", 6)
        .usage(0, 0, 0, 0, 0, 0x07)
        .conflict(ConflictClass.NEVER).noLu()
        .handler(MediumCommands::testUnitReady));
    // SPC-4 6.39
    t.register(CommandSpec.of(REQUEST_SENSE, "REQUEST SENSE", 6)
        .usage(0, 0x01, 0, 0, 0xff, 0x07)
        .conflict(ConflictClass.NEVER).noUnitAttention().noLu().allowedWhenNotReady()
        .handler(LunCommands::requestSense));
    // SPC-4 6.6
    t.register(CommandSpec.of(INQUIRY, "INQUIRY", 6)
        .usage(0, 0x01, 0xff, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.NEVER).noUnitAttention().noLu().allowedWhenNotReady()
        .handler(Inquiry::execute));
    // SPC-4 6.11 / 6.12 / 6.13 / 6.14
    t.register(CommandSpec.of(MODE_SELECT_6, "MODE SELECT(6)", 6)
        .usage(0, 0x11, 0, 0, 0xff, 0x07)
        .conflict(ConflictClass.ALWAYS)
        .handler(ctx -> ModeCommands.modeSelect(ctx, false)));
    t.register(CommandSpec.of(MODE_SENSE_6, "MODE SENSE(6)", 6)
        .usage(0, 0x08, 0xff, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.ALWAYS).allowedWhenNotReady()
        .handler(ctx -> ModeCommands.modeSense(ctx, false)));
    t.register(CommandSpec.of(MODE_SELECT_10, "MODE SELECT(10)", 10)
        .usage(0, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.ALWAYS)
        .handler(ctx -> ModeCommands.modeSelect(ctx, true)));
    t.register(CommandSpec.of(MODE_SENSE_10, "MODE SENSE(10)", 10)
        .usage(0, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.ALWAYS).allowedWhenNotReady()
        .handler(ctx -> ModeCommands.modeSense(ctx, true)));
    // SBC-4 5.25; allowed when not ready so an ejected medium can be loaded again
    t.register(CommandSpec.of(START_STOP_UNIT, "START STOP UNIT", 6)
        .usage(0, 0x01, 0, 0x0f, 0xf7, 0x07)
        .conflict(ConflictClass.ALWAYS).allowedWhenNotReady()
        .handler(MediumCommands::startStopUnit));
    // SPC-4 6.13 / SBC-4 5.13
    t.register(CommandSpec.of(PREVENT_ALLOW_MEDIUM_REMOVAL, "PREVENT ALLOW MEDIUM REMOVAL", 6)
        .usage(0, 0, 0, 0, 0x03, 0x07)
        .conflict(ConflictClass.ALWAYS).allowedWhenNotReady()
        .handler(MediumCommands::preventAllow));
    // SBC-4 5.18 / 5.19
    t.register(CommandSpec.of(READ_DEFECT_DATA_10, "READ DEFECT DATA(10)", 10)
        .usage(0, 0, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.READ)
        .handler(ctx -> MediumCommands.readDefectData(ctx, false)));
    t.register(CommandSpec.of(READ_DEFECT_DATA_12, "READ DEFECT DATA(12)", 12)
        .usage(0, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.READ)
        .handler(ctx -> MediumCommands.readDefectData(ctx, true)));
    // SPC-4 6.33
    t.register(CommandSpec.of(REPORT_LUNS, "REPORT LUNS", 12)
        .usage(0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.NEVER).noUnitAttention().noLu().allowedWhenNotReady()
        .handler(LunCommands::reportLuns));
    // SPC-4 6.37 / 6.35 / 6.36 (MAINTENANCE IN)
    t.register(CommandSpec.of(MAINTENANCE_IN, SA_REPORT_TARGET_PORT_GROUPS, "REPORT TARGET PORT GROUPS", 12)
        .usage(0, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.NEVER).allowedWhenNotReady()
        .handler(ctx -> ReportTargetPortGroups.execute(ctx, ctx.target().aluaGroups())));
    t.register(CommandSpec.of(MAINTENANCE_IN, SA_REPORT_SUPPORTED_OPERATION_CODES,
            "REPORT SUPPORTED OPERATION CODES", 12)
        .usage(0, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.NEVER).allowedWhenNotReady()
        .handler(SupportedOperations::reportOpcodes));
    t.register(CommandSpec.of(MAINTENANCE_IN, SA_REPORT_SUPPORTED_TMFS,
            "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", 12)
        .usage(0, 0x1f, 0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.NEVER).allowedWhenNotReady()
        .handler(SupportedOperations::reportTmfs));
  }
}
