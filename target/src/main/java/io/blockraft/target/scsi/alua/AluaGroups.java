package io.blockraft.target.scsi.alua;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import java.util.List;

/**
 * Where REPORT TARGET PORT GROUPS gets the target port groups of an LU. Single node: one group
 * ({@link SingleNodeAluaGroups}); clustered: one group per node, the Raft leader's optimized.
 */
public interface AluaGroups {

  /**
   * The groups of {@code lu}, as seen through {@code nexus} (whose port must be in one of them).
   */
  List<PortGroup> groups(LogicalUnit lu, ItNexus nexus);

  /** IMPLICIT TRANSITION TIME in seconds for the extended header (0: not specified). */
  default int implicitTransitionTimeSeconds() {
    return 0;
  }
}
