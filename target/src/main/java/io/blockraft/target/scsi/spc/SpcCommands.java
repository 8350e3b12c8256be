package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.dispatch.OpcodeTable;

/** Registers this family's rows in the opcode table. (Stub.) */
public final class SpcCommands {
  private SpcCommands() {}

  public static void register(OpcodeTable table) {}
}
