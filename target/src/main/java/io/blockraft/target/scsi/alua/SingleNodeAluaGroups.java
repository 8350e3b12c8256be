package io.blockraft.target.scsi.alua;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import java.util.EnumSet;
import java.util.List;

/**
 * Single-node ALUA: one target port group (the nexus's), ACTIVE/OPTIMIZED, holding the nexus's
 * relative target port. Supports AO, transitioning and unavailable.
 */
public final class SingleNodeAluaGroups implements AluaGroups {
  public static final SingleNodeAluaGroups INSTANCE = new SingleNodeAluaGroups();

  @Override
  public List<PortGroup> groups(LogicalUnit lu, ItNexus nexus) {
    AccessState state = lu == null || lu.volume().isReady()
        ? AccessState.ACTIVE_OPTIMIZED : AccessState.TRANSITIONING;
    return List.of(new PortGroup(nexus.targetPortGroup(), state, false,
        EnumSet.of(AccessState.ACTIVE_OPTIMIZED, AccessState.TRANSITIONING, AccessState.UNAVAILABLE),
        0, List.of(nexus.relativeTargetPortId())));
  }
}
