package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The copy manager's bookkeeping (SPC-4 5.17.4 / 6.4.3.2): the EXTENDED COPY commands running now,
 * keyed by I_T nexus and list identifier so a duplicate list identifier is refused, and the
 * statuses held for RECEIVE COPY RESULTS (LIST ID USAGE 00b). Held statuses are bounded
 * ({@link CopyLimits#MAX_HELD_STATUSES}, oldest dropped) since an initiator may never ask for them.
 * One instance per opcode table, so per SCSI target device.
 */
final class CopyManager {
  /** A list identifier in the scope SPC-4 gives it: one I_T nexus, one LU (copy manager). */
  record Key(LogicalUnit lu, String nexus, int listId) {
    static Key of(LogicalUnit lu, ItNexus nexus, int listId) {
      return new Key(lu, nexus.key(), listId);
    }
  }

  private final Map<Key, CopyOperation> active = new HashMap<>();
  private final LinkedHashMap<Key, CopyOperation> held = new LinkedHashMap<>();
  private int running;

  /**
   * Registers a starting copy. Fails with OPERATION IN PROGRESS when the nexus already runs a
   * copy with this list identifier, INSUFFICIENT RESOURCES beyond the concurrent copy limit.
   */
  synchronized CopyOperation begin(LogicalUnit lu, ItNexus nexus, int listId, int usage) {
    Key key = Key.of(lu, nexus, listId);
    boolean identified = usage != XcopyParameterList.USAGE_NO_LIST_ID;
    if (identified && active.containsKey(key)) {
      throw new ScsiException(SenseReason.OPERATION_IN_PROGRESS);
    }
    if (running >= CopyLimits.MAX_CONCURRENT_COPIES) {
      throw new ScsiException(SenseReason.INSUFFICIENT_RESOURCES);
    }
    running++;
    CopyOperation op = new CopyOperation(key, usage);
    if (identified) {
      active.put(key, op);
      held.remove(key); // a new command with the same list identifier replaces what was held
    }
    return op;
  }

  /** The copy ended; its status stays available when LIST ID USAGE asked to hold it. */
  synchronized void finish(CopyOperation op) {
    running--;
    if (op.listIdUsage == XcopyParameterList.USAGE_NO_LIST_ID) {
      return;
    }
    active.remove(op.key, op);
    if (op.listIdUsage == XcopyParameterList.USAGE_HOLD) {
      held.put(op.key, op);
      Iterator<CopyOperation> it = held.values().iterator();
      while (held.size() > CopyLimits.MAX_HELD_STATUSES && it.hasNext()) {
        it.next();
        it.remove();
      }
    }
  }

  /** The running or held copy with this list identifier from this nexus, or null. */
  synchronized CopyOperation find(LogicalUnit lu, ItNexus nexus, int listId) {
    Key key = Key.of(lu, nexus, listId);
    CopyOperation op = active.get(key);
    return op != null ? op : held.get(key);
  }

  /** Drops a held status (after its failed segment details were delivered). */
  synchronized void discard(CopyOperation op) {
    held.remove(op.key, op);
  }
}
