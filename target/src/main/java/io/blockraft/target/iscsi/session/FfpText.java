package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.login.SendTargets;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * RFC 7143 11.10/11.11 Text Request and Response in Full Feature Phase, with 13.3 SendTargets.
 *
 * <ul>
 *   <li>A request split by the initiator (C=1) is gathered (at most {@link #MAX_REQUEST} bytes);
 *       each part is answered with an empty Text Response (F=0) carrying a Target Transfer Tag.
 *   <li>An answer longer than the initiator's MaxRecvDataSegmentLength is sent in parts with F=0,
 *       C=1 and a Target Transfer Tag; the initiator asks for the next part with an empty Text
 *       Request echoing that tag. The last part has F=1 and TTT 0xffffffff.
 *   <li>A new request (TTT 0xffffffff) abandons any exchange in progress.
 * </ul>
 *
 * <p>Keys: SendTargets (All, a target name, or empty for the session's target) lists TargetName
 * and every TargetAddress the catalog gives. Operational keys cannot be renegotiated here
 * (Reject); unknown keys are NotUnderstood.
 */
final class FfpText {
  static final int MAX_REQUEST = 65536;
  private static final Set<String> OPERATIONAL_KEYS = Set.of("HeaderDigest", "DataDigest",
      "MaxConnections", "InitiatorName", "TargetName", "InitiatorAlias", "TargetAlias",
      "TargetAddress", "TargetPortalGroupTag", "InitialR2T", "ImmediateData",
      "MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait",
      "DefaultTime2Retain", "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder",
      "ErrorRecoveryLevel", "SessionType", "AuthMethod", "OFMarker", "IFMarker", "OFMarkInt",
      "IFMarkInt", "iSCSIProtocolLevel", "TaskReporting");

  private final IscsiConnection conn;
  private int itt = TargetPdus.RESERVED_TAG;
  private int ttt = TargetPdus.RESERVED_TAG;
  private ByteArrayOutputStream request;
  private byte[] response;
  private int responseOffset;

  FfpText(IscsiConnection conn) {
    this.conn = conn;
  }

  void reset() {
    itt = TargetPdus.RESERVED_TAG;
    ttt = TargetPdus.RESERVED_TAG;
    request = null;
    response = null;
    responseOffset = 0;
  }

  void onRequest(Pdu p) {
    int reqTtt = p.i32(20);
    boolean cont = (p.flags() & 0x40) != 0;
    if (reqTtt != TargetPdus.RESERVED_TAG) {
      if (reqTtt != ttt || p.itt() != itt) {
        reset();
        conn.reject(TargetPdus.REJECT_PROTOCOL_ERROR, p.bhs());
        return;
      }
      if (response != null) {
        sendNextPart();
        return;
      }
    } else {
      reset();
      itt = p.itt();
    }
    if (request == null) {
      request = new ByteArrayOutputStream();
    }
    int len = p.dataSegmentLength();
    if (request.size() + len > MAX_REQUEST) {
      reset();
      conn.reject(TargetPdus.REJECT_PROTOCOL_ERROR, p.bhs());
      return;
    }
    byte[] chunk = new byte[len];
    p.data().getBytes(p.data().readerIndex(), chunk);
    request.writeBytes(chunk);
    if (cont) {
      ttt = conn.nextTargetTransferTag();
      conn.send(TargetPdus.textResponse(itt, ttt, false, false, null), IscsiConnection.StatSn.ADVANCE);
      return;
    }
    response = answer(request.toByteArray());
    request = null;
    responseOffset = 0;
    sendNextPart();
  }

  private void sendNextPart() {
    int max = Math.max(512, conn.params().initiatorMaxRecvDataSegmentLength);
    int n = Math.min(max, response.length - responseOffset);
    boolean last = responseOffset + n == response.length;
    ttt = last ? TargetPdus.RESERVED_TAG : conn.nextTargetTransferTag();
    conn.send(TargetPdus.textResponse(itt, ttt, last, !last,
        n == 0 ? null : Unpooled.wrappedBuffer(response, responseOffset, n)),
        IscsiConnection.StatSn.ADVANCE);
    responseOffset += n;
    if (last) {
      reset();
    }
  }

  private byte[] answer(byte[] text) {
    StringBuilder out = new StringBuilder();
    String all = new String(text, StandardCharsets.UTF_8);
    for (String pair : all.split("\0")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      if (key.equals("SendTargets")) {
        sendTargets(value, out);
      } else if (OPERATIONAL_KEYS.contains(key)) {
        out.append(key).append("=Reject\0");
      } else {
        out.append(key).append("=NotUnderstood\0");
      }
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** RFC 7143 13.3 / Appendix C: SendTargets answer (the login layer's {@link SendTargets}). */
  private void sendTargets(String value, StringBuilder out) {
    SessionParams params = conn.params();
    IscsiSession s = conn.session();
    String sessionTarget = s == null || s.isDiscovery() ? null : s.targetName();
    byte[] answer = SendTargets.answerBytes(conn.catalog(), value, params.initiatorName, sessionTarget);
    out.append(new String(answer, StandardCharsets.UTF_8));
  }
}
