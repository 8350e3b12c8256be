package io.blockraft.target.iscsi.session;

import java.time.Duration;

/**
 * What the portal tells every connection and session it creates.
 *
 * @param targetMaxRecvDataSegmentLength what we declare as MaxRecvDataSegmentLength (RFC 7143 13.12)
 * @param portalGroupTag this portal's TPGT (== ALUA target port group == node id)
 * @param relativeTargetPortId relative target port identifier (== node id)
 * @param nopInterval idle time after which the target pings the initiator (NOP-In, 11.19)
 * @param nopTimeout time without any PDU after a ping before the connection is dropped
 * @param loginTimeout time a connection may spend before reaching Full Feature Phase
 * @param commandWindow commands the initiator may have in flight (MaxCmdSN - ExpCmdSN + 1)
 * @param maxTransferLength largest Expected Data Transfer Length accepted (bytes)
 * @param maxSessions most sessions the portal serves at once (new logins beyond: out of resources)
 */
public record SessionSettings(int targetMaxRecvDataSegmentLength, int portalGroupTag,
    int relativeTargetPortId, Duration nopInterval, Duration nopTimeout, Duration loginTimeout,
    int commandWindow, int maxTransferLength, int maxSessions) {

  public static final int DEFAULT_MAX_TRANSFER_LENGTH = 32 << 20;

  public SessionSettings {
    if (targetMaxRecvDataSegmentLength < 512 || targetMaxRecvDataSegmentLength > (1 << 24) - 1) {
      throw new IllegalArgumentException("MaxRecvDataSegmentLength out of range: "
          + targetMaxRecvDataSegmentLength);
    }
    if (commandWindow < 1 || commandWindow > 1 << 16) {
      throw new IllegalArgumentException("commandWindow out of range: " + commandWindow);
    }
    if (maxTransferLength < 512) {
      throw new IllegalArgumentException("maxTransferLength out of range: " + maxTransferLength);
    }
  }

  /** Defaults: 256 KiB MRDSL, ping after 5 s idle, drop after 15 s more, 256 commands in flight. */
  public static SessionSettings defaults(int portalGroupTag, int relativeTargetPortId) {
    return new SessionSettings(262144, portalGroupTag, relativeTargetPortId, Duration.ofSeconds(5),
        Duration.ofSeconds(15), Duration.ofSeconds(30), 256, DEFAULT_MAX_TRANSFER_LENGTH, 1024);
  }

  public SessionSettings withNop(Duration interval, Duration timeout) {
    return new SessionSettings(targetMaxRecvDataSegmentLength, portalGroupTag, relativeTargetPortId,
        interval, timeout, loginTimeout, commandWindow, maxTransferLength, maxSessions);
  }

  public SessionSettings withCommandWindow(int window) {
    return new SessionSettings(targetMaxRecvDataSegmentLength, portalGroupTag, relativeTargetPortId,
        nopInterval, nopTimeout, loginTimeout, window, maxTransferLength, maxSessions);
  }

  public SessionSettings withTargetMaxRecvDataSegmentLength(int mrdsl) {
    return new SessionSettings(mrdsl, portalGroupTag, relativeTargetPortId, nopInterval, nopTimeout,
        loginTimeout, commandWindow, maxTransferLength, maxSessions);
  }
}
