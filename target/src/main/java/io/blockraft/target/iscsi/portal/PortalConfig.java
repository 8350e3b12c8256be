package io.blockraft.target.iscsi.portal;

import io.blockraft.target.iscsi.session.SessionSettings;
import java.time.Duration;

/**
 * One iSCSI portal (RFC 7143 3.4.1 network portal, portal group).
 *
 * @param host address to bind (e.g. "0.0.0.0", "127.0.0.1")
 * @param port TCP port (3260 by default; 0 picks a free one, see {@link PortalServer#boundPort()})
 * @param portalGroupTag TPGT (== ALUA target port group == node id)
 * @param nodeId relative target port identifier (== node id)
 * @param maxRecvDataSegmentLength what the target declares as MaxRecvDataSegmentLength
 * @param nopInterval idle time before the target pings with NOP-In (zero: never)
 * @param nopTimeout time without input after a ping before the connection is dropped
 * @param maxSessions most sessions served at once
 * @param commandWindow commands in flight per session (CmdSN window)
 * @param bufferBudget bytes of SCSI data all sessions of the portal may hold in memory at once
 *     ({@link io.blockraft.target.iscsi.session.BufferBudget}); at least twice the largest transfer
 */
public record PortalConfig(String host, int port, int portalGroupTag, int nodeId,
    int maxRecvDataSegmentLength, Duration nopInterval, Duration nopTimeout, int maxSessions,
    int commandWindow, long bufferBudget) {

  public static final int DEFAULT_PORT = 3260;

  public PortalConfig {
    if (bufferBudget < 2L * SessionSettings.DEFAULT_MAX_TRANSFER_LENGTH) {
      throw new IllegalArgumentException("bufferBudget " + bufferBudget
          + " is below twice the largest transfer (" + 2L * SessionSettings.DEFAULT_MAX_TRANSFER_LENGTH
          + " bytes)");
    }
  }

  /**
   * Half of the JVM's direct memory (-XX:MaxDirectMemorySize; bin/blockraft sets 1 GiB), so
   * socket buffers and the allocator's own slack keep the other half; never below the minimum.
   */
  public static long defaultBufferBudget() {
    long half = io.netty.util.internal.PlatformDependent.maxDirectMemory() / 2;
    return Math.max(2L * SessionSettings.DEFAULT_MAX_TRANSFER_LENGTH, half);
  }

  /** Defaults for one node: 256 KiB MRDSL, NOP-In after 5 s idle, 15 s timeout, 1024 sessions. */
  public static PortalConfig of(String host, int port, int nodeId) {
    return new PortalConfig(host, port, nodeId, nodeId, 262144, Duration.ofSeconds(5),
        Duration.ofSeconds(15), 1024, 256, defaultBufferBudget());
  }

  public PortalConfig withNop(Duration interval, Duration timeout) {
    return new PortalConfig(host, port, portalGroupTag, nodeId, maxRecvDataSegmentLength, interval,
        timeout, maxSessions, commandWindow, bufferBudget);
  }

  public PortalConfig withMaxRecvDataSegmentLength(int mrdsl) {
    return new PortalConfig(host, port, portalGroupTag, nodeId, mrdsl, nopInterval, nopTimeout,
        maxSessions, commandWindow, bufferBudget);
  }


  SessionSettings settings() {
    return new SessionSettings(maxRecvDataSegmentLength, portalGroupTag, nodeId, nopInterval,
        nopTimeout, Duration.ofSeconds(30), commandWindow,
        SessionSettings.DEFAULT_MAX_TRANSFER_LENGTH, maxSessions);
  }
}
