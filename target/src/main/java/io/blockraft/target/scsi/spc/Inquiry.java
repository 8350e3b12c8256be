package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * SPC-4 6.6 INQUIRY: standard inquiry data (6.6.2) and the vital product data pages of
 * {@link VpdPages}. Answers on an unmapped LUN with peripheral qualifier 011b (SPC-4 6.6.2).
 */
final class Inquiry {
  static final String VENDOR = "BLOCKRFT";
  static final String REVISION = "0001";
  /** Standard data length: through the eight version descriptors and the reserved bytes after them. */
  static final int STANDARD_LENGTH = 96;
  /** Peripheral qualifier 011b, device type 1Fh: no LU is addressed by this LUN. */
  static final int NO_LU = 0x7F;
  /** Peripheral qualifier 000b, device type 1Eh: well-known logical unit. */
  static final int WELL_KNOWN_LU = 0x1E;
  /** Peripheral qualifier 000b, device type 00h: direct access block device (SBC). */
  static final int DIRECT_ACCESS = 0x00;

  // SPC-4 Table 63 version descriptors
  static final int VD_SAM5 = 0x00A0;
  static final int VD_ISCSI = 0x0960;
  static final int VD_SPC4 = 0x0460;
  static final int VD_SBC3 = 0x04C0;

  private Inquiry() {}

  /** A parsed INQUIRY CDB. */
  record InquiryCdb(boolean evpd, int pageCode, int allocationLength) {
    static InquiryCdb parse(byte[] cdb) {
      boolean evpd = (cdb[1] & 0x01) != 0;
      if ((cdb[1] & 0xfe) != 0) { // CMDDT (obsolete) and reserved bits
        throw ScsiException.invalidCdbField(1, (cdb[1] & 0x02) != 0 ? 1 : 7);
      }
      int page = Cdb.u8(cdb, 2);
      if (!evpd && page != 0) {
        throw ScsiException.invalidCdbField(2);
      }
      return new InquiryCdb(evpd, page, Cdb.u16(cdb, 3));
    }
  }

  static CompletableFuture<ScsiResponse> execute(CommandContext ctx) {
    InquiryCdb c = InquiryCdb.parse(ctx.cdb());
    LogicalUnit lu = ctx.lu();
    byte[] data;
    if (!c.evpd()) {
      data = standard(lu);
      if (lu == null && ctx.task().lun() == Lun.WLUN_REPORT_LUNS) {
        data[0] = WELL_KNOWN_LU; // SPC-4 8.2: the REPORT LUNS well-known LU answers INQUIRY
      }
    } else if (lu == null) {
      throw new ScsiException(SenseReason.LOGICAL_UNIT_NOT_SUPPORTED);
    } else {
      data = VpdPages.page(c.pageCode(), lu, ctx.nexus(), ctx.target());
      if (data == null) {
        throw ScsiException.invalidCdbField(2);
      }
    }
    ByteBuf buf = ctx.allocHeap(data.length).writeBytes(data);
    return CommandContext.data(buf, c.allocationLength());
  }

  /** SPC-4 6.6.2 standard INQUIRY data. */
  static byte[] standard(LogicalUnit lu) {
    byte[] d = new byte[STANDARD_LENGTH];
    d[0] = (byte) (lu == null ? NO_LU : DIRECT_ACCESS);
    d[1] = (byte) (lu != null && lu.removable() ? 0x80 : 0); // RMB
    d[2] = 0x06; // VERSION: SPC-4
    d[3] = 0x12; // HISUP, RESPONSE DATA FORMAT 2
    d[4] = (byte) (STANDARD_LENGTH - 5); // ADDITIONAL LENGTH
    d[5] = 0x10 | 0x08; // TPGS 01b: implicit ALUA only; 3PC: EXTENDED COPY is supported (SPC-4 6.4)
    d[6] = 0x00;
    d[7] = 0x02; // CMDQUE
    ascii(d, 8, 8, VENDOR);
    ascii(d, 16, 16, lu == null ? "blockraft" : lu.productId());
    ascii(d, 32, 4, REVISION);
    int[] descriptors = {VD_SAM5, VD_ISCSI, VD_SPC4, VD_SBC3};
    for (int i = 0; i < descriptors.length; i++) {
      Cdb.put16(d, 58 + 2 * i, descriptors[i]);
    }
    return d;
  }

  /** Left-aligned ASCII padded with spaces (SPC-4 4.4.1). */
  static void ascii(byte[] d, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < len; i++) {
      d[off + i] = i < b.length ? b[i] : (byte) ' ';
    }
  }
}
