package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.dispatch.CommandContext;
import java.util.Collection;
import java.util.List;

/**
 * The logical units a copy manager can reach as copy targets (SPC-4 6.4.5: CSCD descriptors name
 * them by designator). The default reaches the LUs of the SCSI target device that received the
 * EXTENDED COPY; a node may supply every LU it serves.
 */
@FunctionalInterface
public interface CopyTargetLocator {

  /** The candidate LUs for a command; the planner matches their designators. */
  Collection<LogicalUnit> candidates(CommandContext ctx);

  /** The LUs mapped in the receiving SCSI target device (or only the command's own LU). */
  static CopyTargetLocator sameTarget() {
    return ctx -> {
      if (ctx.target() != null) {
        return ctx.target().luns().values();
      }
      return ctx.lu() == null ? List.of() : List.of(ctx.lu());
    };
  }
}
