package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.SbcOpcodes.*;

import io.blockraft.target.scsi.dispatch.CommandHandler;
import io.blockraft.target.scsi.dispatch.CommandSpec;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.OpcodeTable;

/**
 * The SBC-4 block command set's rows in the opcode table. Usage masks (SPC-4 6.35.3 CDB USAGE
 * DATA) list the bits each handler evaluates; reservation classes follow SBC-4 4.17 Table 13
 * (reads and queries READ, medium writes WRITE, SANITIZE conflicts with every reservation).
 */
public final class SbcCommands {
  private SbcCommands() {}

  private static final int LBA4 = 0xff;

  public static void register(OpcodeTable t) {
    // SBC-4 5.20, 5.21, 5.7: capacity and provisioning
    t.register(CommandSpec.of(READ_CAPACITY_10, "READ CAPACITY(10)", 10)
        .usage(0, 0, LBA4, LBA4, LBA4, LBA4, 0, 0, 0x01, 0x07)
        .conflict(ConflictClass.NEVER).handler(guard(Capacity::readCapacity10)));
    t.register(CommandSpec.of(SERVICE_ACTION_IN_16, SA_READ_CAPACITY_16, "READ CAPACITY(16)", 16)
        .usage(0, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.NEVER).handler(guard(Capacity::readCapacity16)));
    t.register(CommandSpec.of(SERVICE_ACTION_IN_16, SA_GET_LBA_STATUS, "GET LBA STATUS", 16)
        .usage(0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07)
        .conflict(ConflictClass.READ).handler(guard(Capacity::getLbaStatus)));

    // SBC-4 5.15-5.18 READ
    t.register(CommandSpec.of(READ_6, "READ(6)", 6)
        .usage(0, 0x1f, 0xff, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.READ).handler(guard(ReadWrite::read)));
    t.register(CommandSpec.of(READ_10, "READ(10)", 10)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.READ).handler(guard(ReadWrite::read)));
    t.register(CommandSpec.of(READ_12, "READ(12)", 12)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.READ).handler(guard(ReadWrite::read)));
    t.register(CommandSpec.of(READ_16, "READ(16)", 16)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.READ).handler(guard(ReadWrite::read)));

    // SBC-4 5.40-5.43 WRITE
    t.register(CommandSpec.of(WRITE_6, "WRITE(6)", 6)
        .usage(0, 0x1f, 0xff, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));
    t.register(CommandSpec.of(WRITE_10, "WRITE(10)", 10)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));
    t.register(CommandSpec.of(WRITE_12, "WRITE(12)", 12)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));
    t.register(CommandSpec.of(WRITE_16, "WRITE(16)", 16)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));

    // SBC-4 5.44-5.46 WRITE AND VERIFY
    t.register(CommandSpec.of(WRITE_AND_VERIFY_10, "WRITE AND VERIFY(10)", 10)
        .usage(0, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));
    t.register(CommandSpec.of(WRITE_AND_VERIFY_12, "WRITE AND VERIFY(12)", 12)
        .usage(0, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));
    t.register(CommandSpec.of(WRITE_AND_VERIFY_16, "WRITE AND VERIFY(16)", 16)
        .usage(0, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::write)));

    // SBC-4 5.29-5.31 VERIFY
    t.register(CommandSpec.of(VERIFY_10, "VERIFY(10)", 10)
        .usage(0, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.READ).handler(guard(CompareCommands::verify)));
    t.register(CommandSpec.of(VERIFY_12, "VERIFY(12)", 12)
        .usage(0, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.READ).handler(guard(CompareCommands::verify)));
    t.register(CommandSpec.of(VERIFY_16, "VERIFY(16)", 16)
        .usage(0, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.READ).handler(guard(CompareCommands::verify)));

    // SBC-4 5.2 COMPARE AND WRITE, 5.8 ORWRITE(16), 5.48 WRITE ATOMIC(16)
    t.register(CommandSpec.of(COMPARE_AND_WRITE, "COMPARE AND WRITE", 16)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(CompareCommands::compareAndWrite)));
    t.register(CommandSpec.of(ORWRITE_16, "ORWRITE(16)", 16)
        .usage(0, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(CompareCommands::orWrite)));
    t.register(CommandSpec.of(WRITE_ATOMIC_16, "WRITE ATOMIC(16)", 16)
        .usage(0, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(ReadWrite::writeAtomic)));

    // SBC-4 5.49/5.50 WRITE SAME, 5.32 UNMAP
    t.register(CommandSpec.of(WRITE_SAME_10, "WRITE SAME(10)", 10)
        .usage(0, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(WriteSame::writeSame)));
    t.register(CommandSpec.of(WRITE_SAME_16, "WRITE SAME(16)", 16)
        .usage(0, 0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(WriteSame::writeSame)));
    t.register(CommandSpec.of(UNMAP, "UNMAP", 10)
        .usage(0, 0x01, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(Unmap::unmap)));

    // SBC-4 5.22/5.23 SYNCHRONIZE CACHE, 5.13/5.14 PRE-FETCH
    t.register(CommandSpec.of(SYNCHRONIZE_CACHE_10, "SYNCHRONIZE CACHE(10)", 10)
        .usage(0, 0x06, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(CacheCommands::synchronizeCache)));
    t.register(CommandSpec.of(SYNCHRONIZE_CACHE_16, "SYNCHRONIZE CACHE(16)", 16)
        .usage(0, 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.WRITE).handler(guard(CacheCommands::synchronizeCache)));
    t.register(CommandSpec.of(PRE_FETCH_10, "PRE-FETCH(10)", 10)
        .usage(0, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07)
        .conflict(ConflictClass.READ).handler(guard(CacheCommands::preFetch)));
    t.register(CommandSpec.of(PRE_FETCH_16, "PRE-FETCH(16)", 16)
        .usage(0, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07)
        .conflict(ConflictClass.READ).handler(guard(CacheCommands::preFetch)));

    // SBC-4 5.19 SANITIZE (CRYPTOGRAPHIC ERASE not offered)
    for (int sa : new int[] {SA_SANITIZE_OVERWRITE, SA_SANITIZE_BLOCK_ERASE, SA_SANITIZE_EXIT_FAILURE_MODE}) {
      t.register(CommandSpec.of(SANITIZE, sa, sanitizeName(sa), 10)
          .usage(0, 0xbf, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07)
          .conflict(ConflictClass.ALWAYS).handler(guard(Sanitize::sanitize)));
    }
  }

  private static String sanitizeName(int sa) {
    switch (sa) {
      case SA_SANITIZE_OVERWRITE:
        return "SANITIZE OVERWRITE";
      case SA_SANITIZE_BLOCK_ERASE:
        return "SANITIZE BLOCK ERASE";
      default:
        return "SANITIZE EXIT FAILURE MODE";
    }
  }

  /** Medium access while a SANITIZE runs: NOT READY, SANITIZE IN PROGRESS (SBC-4 4.11.4). */
  private static CommandHandler guard(CommandHandler h) {
    return ctx -> {
      Sanitize.checkNotInProgress(ctx.lu());
      return h.execute(ctx);
    };
  }
}
