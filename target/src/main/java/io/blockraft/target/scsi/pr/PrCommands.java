package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.dispatch.OpcodeTable;

/** Registers this family's rows in the opcode table. (Stub.) */
public final class PrCommands {
  private PrCommands() {}

  public static void register(OpcodeTable table) {}
}
