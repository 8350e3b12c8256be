package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.dispatch.OpcodeTable;

/** Registers this family's rows in the opcode table. (Stub.) */
public final class SbcCommands {
  private SbcCommands() {}

  public static void register(OpcodeTable table) {}
}
