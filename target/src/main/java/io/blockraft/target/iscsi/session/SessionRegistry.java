package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.LoginException;
import io.blockraft.target.iscsi.login.SessionBinder;
import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.tmf.TaskHost;
import io.blockraft.target.iscsi.tmf.TaskManager;
import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiTarget;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskSetAborter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every session of one portal, and the session half of login (RFC 7143 6.3.1 TSIH assignment,
 * 6.3.5 session reinstatement):
 *
 * <ul>
 *   <li>TSIH 0 and no session with the same initiator name, ISID and target: a new session;
 *   <li>TSIH 0 and such a session exists: session reinstatement. The old session is closed and its
 *       tasks end without response; the I_T nexus carries over (no nexus-loss processing);
 *   <li>TSIH != 0 naming no session of this initiator port: "session does not exist" (0x020a);
 *   <li>TSIH != 0 naming an existing session: adding a connection, which MaxConnections=1 forbids
 *       ("too many connections", 0x0206).
 * </ul>
 *
 * When a session ends otherwise (logout, connection loss, TARGET COLD RESET) the SCSI target is
 * told its nexus is gone.
 *
 * <p>Every target a session binds to gets this registry's {@link TaskSetAborter}: SPC-4
 * 5.12.11.2.6 PREEMPT AND ABORT aborts the tasks of the I_T nexuses registered with the preempted
 * key among the target's live sessions ({@link TaskManager#abortTaskSets}). One portal (one
 * registry) serves a target.
 */
public final class SessionRegistry {
  private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

  private final Function<String, ScsiTarget> targets;
  private final SessionSettings settings;
  private final Map<String, IscsiSession> byKey = new HashMap<>();
  private final Map<Integer, IscsiSession> byTsih = new HashMap<>();
  private final TaskSetAborter aborter = this::abortTaskSets;
  private int nextTsih = 1;

  public SessionRegistry(Function<String, ScsiTarget> targets, SessionSettings settings) {
    this.targets = targets;
    this.settings = settings;
  }

  public SessionSettings settings() {
    return settings;
  }

  /** The binder a connection hands to its LoginNegotiator. */
  SessionBinder binderFor(IscsiConnection conn) {
    return (params, isid, tsih) -> {
      IscsiSession s = bind(params, isid, tsih);
      conn.bound(s);
      return s.tsih();
    };
  }

  /** Creates or reinstates a session (see class comment). */
  IscsiSession bind(SessionParams params, byte[] isid, int tsih) throws LoginException {
    if (params.initiatorName == null) {
      throw new LoginException(LoginException.MISSING_PARAMETER, "InitiatorName missing");
    }
    String initiator = params.initiatorName.toLowerCase(Locale.ROOT);
    ScsiTarget target = null;
    if (!params.discovery) {
      if (params.targetName == null) {
        throw new LoginException(LoginException.MISSING_PARAMETER, "TargetName missing");
      }
      target = targets.apply(params.targetName);
      if (target == null) {
        throw new LoginException(LoginException.NOT_FOUND, "no target " + params.targetName);
      }
      target.setTaskSetAborter(aborter);
    }
    String key = initiator + "|" + HexFormat.of().formatHex(isid) + "|"
        + (target == null ? "<discovery>" : target.name().toLowerCase(Locale.ROOT));
    IscsiSession old;
    IscsiSession created;
    synchronized (this) {
      if (tsih != 0) {
        IscsiSession s = byTsih.get(tsih);
        if (s == null || !s.key().equals(key)) {
          throw new LoginException(LoginException.SESSION_DOES_NOT_EXIST, "no session with TSIH " + tsih);
        }
        throw new LoginException(LoginException.TOO_MANY_CONNECTIONS, "MaxConnections=1");
      }
      old = byKey.remove(key);
      if (old != null) {
        byTsih.remove(old.tsih());
        old.markReinstated();
      } else if (byTsih.size() >= settings.maxSessions()) {
        throw new LoginException(LoginException.OUT_OF_RESOURCES, "too many sessions");
      }
      int t = allocateTsih();
      ItNexus nexus = target == null ? null
          : new ItNexus(initiator, isid.clone(), target.name(), settings.portalGroupTag(),
              settings.relativeTargetPortId());
      created = new IscsiSession(t, key, params, nexus, target);
      byKey.put(key, created);
      byTsih.put(t, created);
    }
    if (old != null) {
      log.info("reinstating {} as {}", old, created);
      old.close();
    }
    return created;
  }

  private int allocateTsih() {
    while (true) {
      int t = nextTsih;
      nextTsih = nextTsih >= 0xffff ? 1 : nextTsih + 1;
      if (!byTsih.containsKey(t)) {
        return t;
      }
    }
  }

  /** The session's connection closed: the session ends unless it was reinstated. */
  void sessionEnded(IscsiSession s) {
    boolean removed;
    synchronized (this) {
      removed = byTsih.get(s.tsih()) == s;
      if (removed) {
        byTsih.remove(s.tsih());
        byKey.remove(s.key());
      }
    }
    if (removed && !s.isReinstated() && s.target() != null) {
      s.target().nexusLost(s.nexus());
    }
    if (removed) {
      log.info("{} ended", s);
    }
  }

  /** Every live session. */
  public synchronized List<IscsiSession> sessions() {
    return new ArrayList<>(byTsih.values());
  }

  /** Every live session of one target (by name, case-insensitive). */
  public synchronized List<IscsiSession> sessionsOf(String targetName) {
    List<IscsiSession> out = new ArrayList<>();
    for (IscsiSession s : byTsih.values()) {
      if (s.targetName() != null && s.targetName().equalsIgnoreCase(targetName)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The target's side of PREEMPT AND ABORT: the sessions of the issuing task's target. */
  private CompletableFuture<Void> abortTaskSets(ScsiTask issuingTask, Predicate<ItNexus> nexuses) {
    List<TaskHost> hosts = new ArrayList<>();
    for (IscsiSession s : sessionsOf(issuingTask.nexus().targetName())) {
      IscsiConnection c = s.connection();
      if (c != null) {
        hosts.add(c);
      }
    }
    return TaskManager.abortTaskSets(issuingTask, nexuses, hosts);
  }

  /** Closes every session (portal shutdown). */
  public void closeAll() {
    for (IscsiSession s : sessions()) {
      s.close();
    }
  }
}
