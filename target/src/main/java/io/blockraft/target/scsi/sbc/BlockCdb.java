package io.blockraft.target.scsi.sbc;

import io.blockraft.target.scsi.dispatch.Cdb;

/**
 * The fields shared by the block-addressed data commands (SBC-4 5.2 COMPARE AND WRITE, 5.8 ORWRITE,
 * 5.15-5.18 READ, 5.29-5.31 VERIFY, 5.40-5.45 WRITE / WRITE AND VERIFY, 5.48 WRITE ATOMIC(16)),
 * parsed from one CDB. Parsing is pure: it never fails; the handlers validate.
 *
 * @param opcode operation code
 * @param lba LOGICAL BLOCK ADDRESS (unsigned 64-bit; negative means >= 2^63)
 * @param blocks TRANSFER LENGTH / VERIFICATION LENGTH in logical blocks (READ(6)/WRITE(6): 0 = 256)
 * @param protect RDPROTECT / WRPROTECT / VRPROTECT / ORPROTECT (byte 1 bits 7..5)
 * @param dpo DPO bit
 * @param fua FUA bit
 * @param bytchk BYTCHK field (VERIFY, WRITE AND VERIFY; byte 1 bits 2..1)
 * @param lengthByte index of the length field's first byte (for sense field pointers)
 */
public record BlockCdb(int opcode, long lba, long blocks, int protect, boolean dpo, boolean fua,
    int bytchk, int lengthByte) {

  /** Parses the 6-, 10-, 12- or 16-byte layout chosen by the opcode's group code. */
  public static BlockCdb parse(byte[] cdb) {
    int op = cdb[0] & 0xff;
    int b1 = cdb[1] & 0xff;
    int protect = b1 >>> 5;
    boolean dpo = (b1 & 0x10) != 0;
    boolean fua = (b1 & 0x08) != 0;
    int bytchk = (b1 >>> 1) & 0x03;
    switch (op >>> 5) {
      case 0: { // 6-byte: READ(6) / WRITE(6), 21-bit LBA, 0 blocks = 256
        long lba = ((b1 & 0x1f) << 16) | Cdb.u16(cdb, 2);
        int n = Cdb.u8(cdb, 4);
        return new BlockCdb(op, lba, n == 0 ? 256 : n, 0, false, false, 0, 4);
      }
      case 1:
      case 2: // 10-byte
        return new BlockCdb(op, Cdb.u32(cdb, 2), Cdb.u16(cdb, 7), protect, dpo, fua, bytchk, 7);
      case 5: // 12-byte
        return new BlockCdb(op, Cdb.u32(cdb, 2), Cdb.u32(cdb, 6), protect, dpo, fua, bytchk, 6);
      case 4: // 16-byte
        if (op == SbcOpcodes.COMPARE_AND_WRITE) {
          return new BlockCdb(op, Cdb.u64(cdb, 2), Cdb.u8(cdb, 13), protect, dpo, fua, 0, 13);
        }
        if (op == SbcOpcodes.WRITE_ATOMIC_16) {
          return new BlockCdb(op, Cdb.u64(cdb, 2), Cdb.u16(cdb, 12), protect, dpo, fua, 0, 12);
        }
        return new BlockCdb(op, Cdb.u64(cdb, 2), Cdb.u32(cdb, 10), protect, dpo, fua, bytchk, 10);
      default:
        throw new IllegalArgumentException("not a block data CDB: " + op);
    }
  }
}
