package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.ItNexus;
import java.util.Objects;

/**
 * The I_T nexuses one registration covers (SPC-4 5.13.7): an initiator port (iSCSI name + ISID,
 * or every ISID of the name when registered through a name-only TransportID, SPC-4 7.6.4.6) and
 * one target port, or every target port when registered with ALL_TG_PT.
 *
 * @param initiatorName iSCSI initiator name (lower case)
 * @param isid 12 lower-case hex digits, or null for every initiator port of the name
 * @param targetName iSCSI target name, or null for every target port (ALL_TG_PT)
 * @param targetPortGroup target portal group tag (ignored when {@code targetName} is null)
 * @param relativeTargetPort relative target port identifier (0 when every target port)
 */
public record Registrant(String initiatorName, String isid, String targetName, int targetPortGroup,
    int relativeTargetPort) {

  public Registrant {
    Objects.requireNonNull(initiatorName, "initiatorName");
    if (targetName == null) {
      targetPortGroup = 0;
      relativeTargetPort = 0;
    }
  }

  /** The registrant for the nexus itself, on its own target port or (allTgPt) on every one. */
  public static Registrant of(ItNexus n, boolean allTgPt) {
    return new Registrant(n.initiatorName(), n.isidHex(),
        allTgPt ? null : n.targetName(), n.targetPortGroup(), n.relativeTargetPortId());
  }

  /** True when registered through every target port. */
  public boolean allTargetPorts() {
    return targetName == null;
  }

  /** True when {@code n} is one of the I_T nexuses this registrant covers. */
  public boolean matches(ItNexus n) {
    return initiatorName.equals(n.initiatorName())
        && (isid == null || isid.equals(n.isidHex()))
        && (targetName == null
            || (targetName.equals(n.targetName()) && targetPortGroup == n.targetPortGroup()));
  }

  /** True when some I_T nexus is covered by both registrants. */
  public boolean overlaps(Registrant o) {
    return initiatorName.equals(o.initiatorName)
        && (isid == null || o.isid == null || isid.equals(o.isid))
        && (targetName == null || o.targetName == null
            || (targetName.equals(o.targetName) && targetPortGroup == o.targetPortGroup));
  }

  /** How precisely this registrant names an I_T nexus (the most specific match wins). */
  int specificity() {
    return (isid != null ? 2 : 0) + (targetName != null ? 1 : 0);
  }

  /** The initiator port (SPC-4 7.6.4.6 TransportID form): "name,i,0xISID" or just the name. */
  public String initiatorPort() {
    return isid == null ? initiatorName : initiatorName + ",i,0x" + isid;
  }
}
