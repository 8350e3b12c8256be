package io.blockraft.target.scsi.alua;

import io.blockraft.target.scsi.ScsiResponse;
import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.dispatch.CommandContext;
import io.blockraft.target.scsi.sense.ScsiException;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SPC-4 6.37 REPORT TARGET PORT GROUPS (MAINTENANCE IN, service action 0Ah): length-only header
 * (PARAMETER DATA FORMAT 000b) or extended header (001b) followed by one descriptor per group.
 */
public final class ReportTargetPortGroups {
  public static final int SERVICE_ACTION = 0x0A;
  private static final int MAX_GROUPS = 1024;

  private ReportTargetPortGroups() {}

  /** A parsed RTPG CDB. */
  public record RtpgCdb(boolean extended, long allocationLength) {
    public static RtpgCdb parse(byte[] cdb) {
      int format = (cdb[1] & 0xff) >>> 5;
      if (format > 1) {
        throw ScsiException.invalidCdbField(1, 5);
      }
      return new RtpgCdb(format == 1, Cdb.u32(cdb, 6));
    }
  }

  public static CompletableFuture<ScsiResponse> execute(CommandContext ctx, AluaGroups source) {
    RtpgCdb c = RtpgCdb.parse(ctx.cdb());
    byte[] d = encode(source.groups(ctx.lu(), ctx.nexus()), c.extended(),
        source.implicitTransitionTimeSeconds());
    ByteBuf buf = ctx.allocHeap(d.length).writeBytes(d);
    return CommandContext.data(buf, (int) Math.min(c.allocationLength(), Integer.MAX_VALUE));
  }

  /** The parameter data (pure). */
  public static byte[] encode(List<PortGroup> groups, boolean extended, int transitionTimeSeconds) {
    if (groups.size() > MAX_GROUPS) {
      throw new IllegalArgumentException("too many port groups: " + groups.size());
    }
    int hdr = extended ? 8 : 4;
    int len = hdr;
    for (PortGroup g : groups) {
      len += 8 + 4 * g.relativePortIds().size();
    }
    byte[] d = new byte[len];
    Cdb.put32(d, 0, len - 4L); // RETURN DATA LENGTH
    if (extended) {
      d[4] = 0x10; // FORMAT TYPE 001b
      d[5] = (byte) Math.min(transitionTimeSeconds, 255);
    }
    int off = hdr;
    for (PortGroup g : groups) {
      d[off] = (byte) ((g.preferred() ? 0x80 : 0) | g.state().code);
      d[off + 1] = (byte) g.supportBits();
      Cdb.put16(d, off + 2, g.id());
      d[off + 5] = (byte) g.statusCode();
      d[off + 7] = (byte) g.relativePortIds().size();
      off += 8;
      for (int port : g.relativePortIds()) {
        Cdb.put16(d, off + 2, port);
        off += 4;
      }
    }
    return d;
  }
}
