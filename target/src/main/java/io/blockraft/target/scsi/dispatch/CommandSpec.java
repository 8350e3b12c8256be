package io.blockraft.target.scsi.dispatch;

/**
 * One row of the opcode table (STYLE.md: tgt's sbc.c table, LIO's parse/execute split).
 *
 * @param opcode operation code
 * @param serviceAction service action (CDB byte 1 bits 4..0), or -1 when the opcode has none
 * @param name command name as in SPC/SBC
 * @param cdbLength CDB length in bytes
 * @param usageMask the CDB USAGE DATA for REPORT SUPPORTED OPERATION CODES (SPC-4 6.35.3): bits
 *     the handler looks at; byte 0 is the opcode itself
 * @param conflict behaviour under reservations
 * @param reportsUnitAttention false for the commands SAM-5 5.14 / SPC-4 exempts (INQUIRY,
 *     REPORT LUNS, REQUEST SENSE)
 * @param needsLu false for commands that answer on an unknown LUN (INQUIRY, REPORT LUNS,
 *     REQUEST SENSE)
 * @param allowedWhenNotReady true for commands an initiator may send while the LU cannot serve
 *     (INQUIRY, REPORT LUNS, REQUEST SENSE, REPORT TARGET PORT GROUPS, ...)
 * @param handler executes the command
 */
public record CommandSpec(int opcode, int serviceAction, String name, int cdbLength,
    byte[] usageMask, ConflictClass conflict, boolean reportsUnitAttention, boolean needsLu,
    boolean allowedWhenNotReady, CommandHandler handler) {

  /** Starts a spec with the common defaults: needs an LU, reports UA, not allowed when not ready. */
  public static Builder of(int opcode, String name, int cdbLength) {
    return new Builder(opcode, -1, name, cdbLength);
  }

  public static Builder of(int opcode, int serviceAction, String name, int cdbLength) {
    return new Builder(opcode, serviceAction, name, cdbLength);
  }

  /** Fluent construction so each command's row reads as one statement. */
  public static final class Builder {
    private final int opcode;
    private final int serviceAction;
    private final String name;
    private final int cdbLength;
    private byte[] usageMask;
    private ConflictClass conflict = ConflictClass.ALWAYS;
    private boolean reportsUa = true;
    private boolean needsLu = true;
    private boolean allowedWhenNotReady = false;

    private Builder(int opcode, int serviceAction, String name, int cdbLength) {
      this.opcode = opcode;
      this.serviceAction = serviceAction;
      this.name = name;
      this.cdbLength = cdbLength;
    }

    /** CDB usage bits, one value per CDB byte (byte 0, the opcode, is filled in). */
    public Builder usage(int... bytes) {
      if (bytes.length != cdbLength) {
        throw new IllegalArgumentException(name + ": usage mask needs " + cdbLength + " bytes");
      }
      usageMask = new byte[cdbLength];
      for (int i = 0; i < cdbLength; i++) {
        usageMask[i] = (byte) bytes[i];
      }
      usageMask[0] = (byte) opcode;
      return this;
    }

    public Builder conflict(ConflictClass c) {
      conflict = c;
      return this;
    }

    public Builder noUnitAttention() {
      reportsUa = false;
      return this;
    }

    public Builder noLu() {
      needsLu = false;
      return this;
    }

    public Builder allowedWhenNotReady() {
      allowedWhenNotReady = true;
      return this;
    }

    public CommandSpec handler(CommandHandler h) {
      byte[] mask = usageMask;
      if (mask == null) {
        mask = new byte[cdbLength];
        java.util.Arrays.fill(mask, (byte) 0xff);
        mask[0] = (byte) opcode;
        if (serviceAction >= 0) {
          mask[1] = (byte) 0x1f;
        }
        mask[cdbLength - 1] = (byte) 0x07; // CONTROL: NACA/LINK not supported, keep vendor bits off
      }
      return new CommandSpec(opcode, serviceAction, name, cdbLength, mask, conflict, reportsUa,
          needsLu, allowedWhenNotReady, h);
    }
  }
}
