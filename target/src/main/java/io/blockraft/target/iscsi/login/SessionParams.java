package io.blockraft.target.iscsi.login;

/**
 * Operational parameters of a session and its connection after negotiation (RFC 7143 13), with
 * the RFC defaults as initial values. "initiatorMaxRecvDataSegmentLength" is what the initiator
 * declared (limits our Data-In / Text responses); "targetMaxRecvDataSegmentLength" is what we
 * declared (limits what we accept).
 */
public final class SessionParams {
  public boolean headerDigest = false;         // CRC32C when true
  public boolean dataDigest = false;           // CRC32C when true
  public int maxConnections = 1;
  public boolean initialR2T = true;
  public boolean immediateData = true;
  public int initiatorMaxRecvDataSegmentLength = 8192;
  public int targetMaxRecvDataSegmentLength = 8192;
  public int maxBurstLength = 262144;
  public int firstBurstLength = 65536;
  public int defaultTime2Wait = 2;
  public int defaultTime2Retain = 20;
  public int maxOutstandingR2T = 1;
  public boolean dataPduInOrder = true;
  public boolean dataSequenceInOrder = true;
  public int errorRecoveryLevel = 0;
  public int iscsiProtocolLevel = 0;
  public boolean discovery = false;            // SessionType=Discovery
  public String initiatorName;
  public String initiatorAlias;
  public String targetName;                    // null for discovery sessions
  public int targetPortalGroupTag = 1;

  @Override
  public String toString() {
    return "SessionParams{hd=" + headerDigest + " dd=" + dataDigest + " initialR2T=" + initialR2T
        + " immediateData=" + immediateData + " iMRDSL=" + initiatorMaxRecvDataSegmentLength
        + " tMRDSL=" + targetMaxRecvDataSegmentLength + " MBL=" + maxBurstLength + " FBL="
        + firstBurstLength + " MaxR2T=" + maxOutstandingR2T + " ERL=" + errorRecoveryLevel
        + " discovery=" + discovery + " initiator=" + initiatorName + " target=" + targetName + "}";
  }
}
