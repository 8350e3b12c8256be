package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.iscsi.tmf.TaskHost;
import io.blockraft.target.iscsi.tmf.TaskManager;
import io.blockraft.target.iscsi.tmf.TmfRequest;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 7143 11.14/11.15 Logout and 11.5/11.6 Task Management requests of one connection.
 *
 * <ul>
 *   <li>Logout "close the session" or "close the connection" (the only one, MaxConnections=1):
 *       every task of the session ends without response, then the Logout Response (0) is sent and
 *       the connection closed. A CID other than ours: "CID not found" (1). "Remove the
 *       connection for recovery" needs ERL 2: "connection recovery is not supported" (2).
 *   <li>Task management runs in {@link TaskManager} over every session of the target; the
 *       response goes out once the aborted tasks have stopped. After TARGET COLD RESET every
 *       session of the target is closed once the response is on the wire.
 * </ul>
 */
final class ControlRequests {
  private static final Logger log = LoggerFactory.getLogger(ControlRequests.class);

  private ControlRequests() {}

  static void logout(IscsiConnection conn, Pdu p) {
    int reason = p.flags() & 0x7f;
    int itt = p.itt();
    if (reason == 2) {
      conn.send(TargetPdus.logoutResponse(itt, 2), IscsiConnection.StatSn.ADVANCE);
      return;
    }
    if (reason > 2) {
      conn.reject(TargetPdus.REJECT_PROTOCOL_ERROR, p.bhs());
      return;
    }
    if (reason == 1 && p.u16(20) != conn.cid()) {
      conn.send(TargetPdus.logoutResponse(itt, 1), IscsiConnection.StatSn.ADVANCE);
      return;
    }
    IscsiSession session = conn.session();
    // the session ends with this logout (one connection per session): release what ends with the
    // I_T nexus before answering, so the initiator's next command on any path sees it released
    conn.abortTasks(null, false).thenCompose(v -> session != null && session.target() != null
        ? session.target().nexusLost(session.nexus())
        : java.util.concurrent.CompletableFuture.completedFuture(null))
        .whenComplete((v, err) -> conn.runOnLoop(() -> {
      if (!conn.isFullFeature()) {
        return;
      }
      log.info("{}: logout ({})", conn.ctx().channel().remoteAddress(), conn.session());
      conn.sendAndFlush(TargetPdus.logoutResponse(itt, 0), IscsiConnection.StatSn.ADVANCE)
          .addListener(ChannelFutureListener.CLOSE);
    }));
  }

  static void taskManagement(IscsiConnection conn, Pdu p) {
    IscsiSession session = conn.session();
    if (session.isDiscovery()) {
      conn.reject(TargetPdus.REJECT_COMMAND_NOT_SUPPORTED, p.bhs());
      return;
    }
    TmfRequest req = TmfRequest.parse(p);
    List<TaskHost> hosts = new ArrayList<>();
    for (IscsiSession s : conn.registry().sessionsOf(session.targetName())) {
      IscsiConnection c = s.connection();
      if (c != null && c != conn) {
        hosts.add(c);
      }
    }
    hosts.add(conn);
    TaskManager.execute(req, conn, hosts, session.target()).whenComplete((out, err) -> conn.runOnLoop(() -> {
      if (conn.isClosed()) {
        return;
      }
      if (err != null) {
        log.warn("task management {} failed", req, err);
      }
      int response = err != null ? TaskManager.FUNCTION_REJECTED : out.response();
      ChannelFuture f = conn.sendAndFlush(TargetPdus.tmfResponse(req.itt(), response),
          IscsiConnection.StatSn.ADVANCE);
      if (err == null && out.closeSessions()) {
        String target = session.targetName();
        log.info("TARGET COLD RESET of {} by {}", target, session);
        f.addListener(x -> {
          for (IscsiSession s : conn.registry().sessionsOf(target)) {
            s.close();
          }
        });
      }
    }));
  }
}
