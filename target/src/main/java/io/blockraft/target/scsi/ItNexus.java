package io.blockraft.target.scsi;

import java.util.HexFormat;

/**
 * An I_T nexus (SAM-5 4.6): one initiator port (iSCSI name + ISID) talking to one target port
 * (target name + target portal group tag). Two sessions with the same initiator name and ISID to
 * the same target port are the same nexus (RFC 7143 4.4.3 session reinstatement keeps it).
 *
 * @param initiatorName iSCSI initiator name (lower-cased as received)
 * @param isid 6-byte ISID
 * @param targetName iSCSI target name
 * @param targetPortGroup target portal group tag (== ALUA target port group id == node id)
 * @param relativeTargetPortId relative target port identifier (== node id)
 */
public final class ItNexus {
  private final String initiatorName;
  private final byte[] isid;
  private final String isidHex;
  private final String targetName;
  private final int targetPortGroup;
  private final int relativeTargetPortId;
  /** Built once: nexuses are map keys on every command's path (unit attentions, reservations). */
  private final String key;

  public ItNexus(String initiatorName, byte[] isid, String targetName, int targetPortGroup,
      int relativeTargetPortId) {
    this.initiatorName = initiatorName;
    this.isid = isid.clone();
    this.isidHex = HexFormat.of().formatHex(isid);
    this.targetName = targetName;
    this.targetPortGroup = targetPortGroup;
    this.relativeTargetPortId = relativeTargetPortId;
    this.key = initiatorPortName() + "|" + targetPortName();
  }

  public String initiatorName() {
    return initiatorName;
  }

  /** The 6-byte ISID (a copy). */
  public byte[] isid() {
    return isid.clone();
  }

  /** The ISID as 12 lower-case hex digits. */
  public String isidHex() {
    return isidHex;
  }

  public String targetName() {
    return targetName;
  }

  public int targetPortGroup() {
    return targetPortGroup;
  }

  public int relativeTargetPortId() {
    return relativeTargetPortId;
  }

  /** SPC-4 7.6.4.6 iSCSI initiator port name: "name,i,0xISID". */
  public String initiatorPortName() {
    return initiatorName + ",i,0x" + isidHex;
  }

  /** SPC-4 7.6.4.6 iSCSI target port name: "name,t,0xTPGT". */
  public String targetPortName() {
    return targetName + ",t,0x" + String.format("%04x", targetPortGroup);
  }

  /** A stable key for maps: initiator port name | target port name. */
  public String key() {
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ItNexus n && n.key.equals(key);
  }

  @Override
  public int hashCode() {
    return key.hashCode();
  }

  @Override
  public String toString() {
    return key;
  }
}
