package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskAttribute;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPC-4 5.13.11.2.5 (5.12.11.2.6 in later revisions) PREEMPT AND ABORT on the nodes that did not
 * receive the command: every I_T nexus registered with the preempted key loses its tasks on the
 * logical unit, on whatever node it is connected. The issuing node's caller aborts on the issuing
 * target, sparing the PERSISTENT RESERVE OUT and answering only once they stopped
 * ({@link PrCommands}); this aborts, without waiting, on every other target port this node maps
 * the LU to ({@link io.blockraft.target.scsi.TaskSetAborter}, tasks end with TASK ABORTED).
 *
 * <p>The transport's aborter wants an issuing task (its LUN names the LU, its nexus the target and
 * the task to spare). Here there is none on this node, so it gets a stand-in: the issuer's
 * initiator port on this target, with the issuer's target port group. Target port groups are
 * node ids (ARCHITECTURE.md), so no session here is that nexus and nothing is spared.
 */
final class PreemptAborts {
  private static final Logger log = LoggerFactory.getLogger(PreemptAborts.class);
  private static final int NO_TAG = -1;

  /** Where this node serves the LU. */
  private record Mapping(ScsiTarget target, int lun) {}

  private final List<Mapping> mappings = new CopyOnWriteArrayList<>();

  void mappedAt(ScsiTarget target, int lun) {
    mappings.add(new Mapping(target, lun));
  }

  /**
   * Aborts this node's tasks of the {@code aborted} registrations.
   *
   * @param issuer the PERSISTENT RESERVE OUT's I_T nexus
   * @param issuedHere true when the command arrived at this node: its target is left to the caller
   */
  void abort(ItNexus issuer, boolean issuedHere, List<Registrant> aborted) {
    Predicate<ItNexus> named = n -> aborted.stream().anyMatch(r -> r.matches(n));
    for (Mapping m : mappings) {
      if (issuedHere && m.target().name().equalsIgnoreCase(issuer.targetName())) {
        continue;
      }
      ItNexus standIn = new ItNexus(issuer.initiatorName(), issuer.isid(), m.target().name(),
          issuer.targetPortGroup(), issuer.relativeTargetPortId());
      byte[] cdb = new byte[16];
      cdb[0] = (byte) PrCommands.PERSISTENT_RESERVE_OUT;
      cdb[1] = PrOutRequest.PREEMPT_AND_ABORT;
      ScsiTask task = new ScsiTask(standIn, Lun.encode(m.lun()), cdb, 0, false, false,
          TaskAttribute.SIMPLE, NO_TAG);
      m.target().taskSetAborter().abortTaskSets(task, named).whenComplete((v, e) -> {
        if (e != null) {
          log.warn("PREEMPT AND ABORT from {}: aborting on {} LUN {} failed: {}", issuer,
              m.target().name(), m.lun(), e.toString());
        }
      });
    }
  }
}
