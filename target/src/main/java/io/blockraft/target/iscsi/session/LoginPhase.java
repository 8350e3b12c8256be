package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.LoginNegotiator;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login phase of one connection (RFC 7143 6.3, 11.12, 11.13): only Login Requests are
 * accepted, each goes to the {@link LoginNegotiator}, and the final response hands the connection
 * to Full Feature Phase ({@link IscsiConnection#enterFullFeature}). A login that does not finish
 * within the configured login timeout closes the connection.
 */
final class LoginPhase {
  private static final Logger log = LoggerFactory.getLogger(LoginPhase.class);

  private final IscsiConnection conn;
  private final LoginNegotiator negotiator;
  private final ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private int cid;

  LoginPhase(IscsiConnection conn, ChannelHandlerContext ctx) {
    this.conn = conn;
    this.ctx = ctx;
    SessionSettings settings = conn.settings();
    this.negotiator = new LoginNegotiator(conn.catalog(), conn.registry().binderFor(conn),
        settings.portalGroupTag(), settings.targetMaxRecvDataSegmentLength());
  }

  /** The CID of the Login Requests (RFC 7143 11.12.6). */
  int cid() {
    return cid;
  }

  /** Starts the login timer (once the channel is active). */
  void armTimer() {
    SessionSettings settings = conn.settings();
    if (timer == null && settings.loginTimeout().toMillis() > 0) {
      timer = ctx.executor().schedule(() -> {
        if (!conn.isFullFeature() && !conn.isClosed()) {
          log.info("{}: login not completed in {}, closing", ctx.channel().remoteAddress(),
              settings.loginTimeout());
          conn.close();
        }
      }, settings.loginTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  /** Handles one PDU received before Full Feature Phase. */
  void onPdu(Pdu p) {
    if (p.opcode() != Opcode.LOGIN_REQUEST) {
      log.info("{}: opcode 0x{} before login completed, closing", ctx.channel().remoteAddress(),
          Integer.toHexString(p.opcode()));
      conn.close();
      return;
    }
    cid = p.u16(20);
    int lastLoginCmdSn = p.i32(24);
    LoginNegotiator.Step step = negotiator.onLoginRequest(p);
    Pdu resp = step.response();
    switch (step.outcome()) {
      case CONTINUE -> ctx.writeAndFlush(resp);
      case FAILED -> {
        conn.loginFailed();
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
      }
      case FULL_FEATURE -> {
        if (conn.session() == null) {
          log.warn("{}: login completed without a session", ctx.channel().remoteAddress());
          resp.release();
          conn.close();
          return;
        }
        resp.put32(28, lastLoginCmdSn)
            .put32(32, lastLoginCmdSn + conn.settings().commandWindow() - 1);
        int respStatSn = resp.i32(24);
        ctx.write(resp); // encoded now, before digests are switched on
        conn.enterFullFeature(negotiator.params(), lastLoginCmdSn, respStatSn + 1);
        ctx.flush();
      }
      default -> conn.close();
    }
  }
}
