package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiTarget;

/**
 * One iSCSI session (RFC 7143 4.4): identified by initiator name + ISID + target (the I_T nexus)
 * and by its TSIH. MaxConnections=1, so a session has exactly one connection; its command
 * numbering lives in that connection.
 */
public final class IscsiSession {
  private final int tsih;
  private final String key;
  private final SessionParams params;
  private final ItNexus nexus;
  private final ScsiTarget target;
  private volatile IscsiConnection connection;
  private volatile boolean reinstated;

  IscsiSession(int tsih, String key, SessionParams params, ItNexus nexus, ScsiTarget target) {
    this.tsih = tsih;
    this.key = key;
    this.params = params;
    this.nexus = nexus;
    this.target = target;
  }

  public int tsih() {
    return tsih;
  }

  String key() {
    return key;
  }

  public SessionParams params() {
    return params;
  }

  /** The I_T nexus; null for a discovery session. */
  public ItNexus nexus() {
    return nexus;
  }

  /** The SCSI target; null for a discovery session. */
  public ScsiTarget target() {
    return target;
  }

  public boolean isDiscovery() {
    return target == null;
  }

  /** The target name, or null for a discovery session. */
  public String targetName() {
    return target == null ? null : target.name();
  }

  public IscsiConnection connection() {
    return connection;
  }

  void attach(IscsiConnection c) {
    this.connection = c;
  }

  /** True once a newer login with the same ISID replaced this session (RFC 7143 6.3.5). */
  boolean isReinstated() {
    return reinstated;
  }

  void markReinstated() {
    reinstated = true;
  }

  /** Closes the session's connection (its tasks end without responses). */
  public void close() {
    IscsiConnection c = connection;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public String toString() {
    return "session[tsih=" + tsih + " " + (nexus == null ? key + " discovery" : nexus.key()) + "]";
  }
}
