package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.ModePages.PageControl;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SPC-4 6.11 MODE SELECT(6), 6.12 MODE SELECT(10), 6.13 MODE SENSE(6), 6.14 MODE SENSE(10), with
 * the SBC-4 6.5.1 mode parameter header (device-specific parameter WP and DPOFUA) and 6.5.2
 * block descriptors (short, and long LBA for MODE SENSE(10) with LLBAA).
 */
final class ModeCommands {
  private static final int DSP_WP = 0x80;
  private static final int DSP_DPOFUA = 0x10;

  private ModeCommands() {}

  /** A parsed MODE SENSE CDB. */
  record ModeSenseCdb(boolean ten, boolean dbd, boolean llbaa, PageControl pc, int pageCode,
      int subpage, int allocationLength) {

    static ModeSenseCdb parse(byte[] cdb, boolean ten) {
      boolean dbd = (cdb[1] & 0x08) != 0;
      boolean llbaa = ten && (cdb[1] & 0x10) != 0;
      PageControl pc = PageControl.of(Cdb.u8(cdb, 2) >>> 6);
      int page = cdb[2] & 0x3f;
      int subpage = Cdb.u8(cdb, 3);
      int alloc = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
      if (pc == PageControl.SAVED) {
        throw new ScsiException(SenseReason.SAVING_PARAMETERS_NOT_SUPPORTED);
      }
      if (page != ModePages.ALL_PAGES && !ModePages.supports(page)) {
        throw ScsiException.invalidCdbField(2, 5);
      }
      if (subpage != 0 && subpage != 0xFF) {
        throw ScsiException.invalidCdbField(3);
      }
      return new ModeSenseCdb(ten, dbd, llbaa, pc, page, subpage, alloc);
    }
  }

  /** A parsed MODE SELECT CDB. */
  record ModeSelectCdb(boolean ten, boolean pf, boolean sp, int parameterListLength) {

    static ModeSelectCdb parse(byte[] cdb, boolean ten) {
      boolean pf = (cdb[1] & 0x10) != 0;
      boolean sp = (cdb[1] & 0x01) != 0;
      int len = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
      if (sp) {
        throw ScsiException.invalidCdbField(1, 0); // no saved pages (SPC-4 6.13)
      }
      if ((cdb[1] & 0x0e) != 0) { // reserved bits
        throw ScsiException.invalidCdbField(1);
      }
      if (!pf && len > 0) {
        throw ScsiException.invalidCdbField(1, 4); // only the SPC page format is implemented
      }
      return new ModeSelectCdb(ten, pf, sp, len);
    }
  }

  static CompletableFuture<ScsiResponse> modeSense(CommandContext ctx, boolean ten) {
    ModeSenseCdb c = ModeSenseCdb.parse(ctx.cdb(), ten);
    byte[] data = modeSenseData(ctx.lu(), c);
    ByteBuf buf = ctx.allocHeap(data.length).writeBytes(data);
    return CommandContext.data(buf, c.allocationLength());
  }

  /** The full mode parameter data for a MODE SENSE (before allocation-length truncation). */
  static byte[] modeSenseData(LogicalUnit lu, ModeSenseCdb c) {
    ModePages pages = lu.modePages();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    List<Integer> codes = c.pageCode() == ModePages.ALL_PAGES ? ModePages.PAGE_CODES : List.of(c.pageCode());
    for (int code : codes) {
      body.writeBytes(pages.page(code, c.pc()));
    }
    byte[] bd = c.dbd() ? new byte[0] : blockDescriptor(lu, c.llbaa());
    int hdr = c.ten() ? 8 : 4;
    int total = hdr + bd.length + body.size();
    byte[] out = new byte[total];
    int dsp = DSP_DPOFUA | (lu.readOnly() ? DSP_WP : 0);
    if (c.ten()) {
      Cdb.put16(out, 0, total - 2);
      out[3] = (byte) dsp;
      out[4] = (byte) (bd.length == 16 ? 1 : 0); // LONGLBA
      Cdb.put16(out, 6, bd.length);
    } else {
      out[0] = (byte) (total - 1);
      out[2] = (byte) dsp;
      out[3] = (byte) bd.length;
    }
    System.arraycopy(bd, 0, out, hdr, bd.length);
    byte[] b = body.toByteArray();
    System.arraycopy(b, 0, out, hdr + bd.length, b.length);
    return out;
  }

  /** SBC-4 6.5.2 short LBA (8 bytes) or long LBA (16 bytes) mode parameter block descriptor. */
  private static byte[] blockDescriptor(LogicalUnit lu, boolean longLba) {
    long blocks = lu.volume().blockCount();
    int lbs = lu.volume().logicalBlockSize();
    if (longLba) {
      byte[] d = new byte[16];
      Cdb.put64(d, 0, blocks);
      Cdb.put32(d, 12, lbs);
      return d;
    }
    byte[] d = new byte[8];
    Cdb.put32(d, 0, Math.min(blocks, 0xFFFF_FFFFL));
    d[5] = (byte) (lbs >>> 16);
    d[6] = (byte) (lbs >>> 8);
    d[7] = (byte) lbs;
    return d;
  }

  static CompletableFuture<ScsiResponse> modeSelect(CommandContext ctx, boolean ten) {
    ModeSelectCdb c = ModeSelectCdb.parse(ctx.cdb(), ten);
    if (c.parameterListLength() == 0) {
      return CommandContext.good();
    }
    int hdr = ten ? 8 : 4;
    if (c.parameterListLength() < hdr) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    return ctx.dataOut(c.parameterListLength()).thenApply(buf -> {
      byte[] list;
      try {
        list = new byte[buf.readableBytes()];
        buf.readBytes(list);
      } finally {
        buf.release();
      }
      apply(ctx, list, ten);
      return ScsiResponse.good();
    });
  }

  /** Validates the whole parameter list, then applies it (all or nothing). */
  static void apply(CommandContext ctx, byte[] list, boolean ten) {
    LogicalUnit lu = ctx.lu();
    int hdr = ten ? 8 : 4;
    if (list.length < hdr) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    int bdLen = ten ? Cdb.u16(list, 6) : Cdb.u8(list, 3);
    boolean longLba = ten && (list[4] & 0x01) != 0;
    int bdSize = longLba ? 16 : 8;
    if (hdr + bdLen > list.length) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    if (bdLen % bdSize != 0 || bdLen > bdSize) {
      throw ScsiException.invalidParameterField(ten ? 6 : 3);
    }
    if (list[ten ? 2 : 1] != 0) { // MEDIUM TYPE
      throw ScsiException.invalidParameterField(ten ? 2 : 1);
    }
    if (bdLen > 0) {
      int lbsOff = hdr + (longLba ? 12 : 5);
      long lbs = longLba ? Cdb.u32(list, lbsOff) : Cdb.u24(list, lbsOff);
      if (lbs != lu.volume().logicalBlockSize()) {
        throw ScsiException.invalidParameterField(lbsOff);
      }
      // NUMBER OF LOGICAL BLOCKS: capacity changes through MODE SELECT are not supported and ignored
    }
    List<Integer> pageOffsets = new ArrayList<>();
    int off = hdr + bdLen;
    while (off < list.length) {
      if ((list[off] & 0x40) != 0) { // SPF: no subpages implemented
        throw ScsiException.invalidParameterField(off);
      }
      if (off + 2 > list.length) {
        throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
      }
      int len = 2 + Cdb.u8(list, off + 1);
      if (off + len > list.length) {
        throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
      }
      lu.modePages().validate(list, off, len);
      pageOffsets.add(off);
      off += len;
    }
    boolean changed = false;
    for (int p : pageOffsets) {
      changed |= lu.modePages().apply(list, p);
    }
    if (changed) {
      lu.unitAttentions().establishAll(SenseReason.MODE_PARAMETERS_CHANGED, ctx.nexus());
    }
  }
}
