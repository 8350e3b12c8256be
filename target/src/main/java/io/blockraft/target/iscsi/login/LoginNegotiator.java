package io.blockraft.target.iscsi.login;

import static io.blockraft.target.iscsi.login.LoginException.AUTHENTICATION_FAILURE;
import static io.blockraft.target.iscsi.login.LoginException.AUTHORIZATION_FAILURE;
import static io.blockraft.target.iscsi.login.LoginException.INITIATOR_ERROR;
import static io.blockraft.target.iscsi.login.LoginException.INVALID_DURING_LOGIN;
import static io.blockraft.target.iscsi.login.LoginException.MISSING_PARAMETER;
import static io.blockraft.target.iscsi.login.LoginException.NOT_FOUND;
import static io.blockraft.target.iscsi.login.LoginException.SESSION_TYPE_NOT_SUPPORTED;
import static io.blockraft.target.iscsi.login.LoginException.UNSUPPORTED_VERSION;

import io.blockraft.target.iscsi.login.TextKeys.KeyValue;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 7143 6 (login phase), 11.12/11.13 (Login Request/Response), 12 (security), 13 (keys):
 * the login state machine of ONE connection. Pure: no channel, no I/O; the connection handler
 * feeds it every Login Request PDU and sends back what it returns.
 *
 * <p>Stages (6.3, the CSG/NSG codes): SecurityNegotiation (0) -&gt; LoginOperationalNegotiation
 * (1) -&gt; FullFeaturePhase (3); 0 -&gt; 3 directly is allowed, 1 -&gt; 3 is the only way out
 * of stage 1, and the first request may start in 0 or 1 (1 only when no CHAP is required). We
 * grant a requested transition (T=1) at once unless an authentication exchange is under way;
 * the final response (T=1, NSG=3) binds the session through {@link SessionBinder}.
 *
 * <p>Rules enforced: version 0x00 only (0x0205); T and C not both set, CSG equal to the current
 * stage, NSG a legal next stage (0x0200 / 0x020b); ISID, TSIH and CID constant through the login;
 * text continued with C=1 is accumulated (up to 64 KiB) and answered with empty responses; a key
 * offered twice in one login is an initiator error (6.2.1); InitiatorName in the first text, and
 * TargetName for a Normal session (0x0207); unknown target (0x0203); initiator not allowed
 * (0x0202); authentication (0x0201).
 *
 * <p>StatSN starts at 0 on the first response and counts every response; ExpCmdSN is the
 * request's CmdSN (login requests are immediate), MaxCmdSN = ExpCmdSN + {@link #CMD_WINDOW} - 1.
 */
public final class LoginNegotiator {
  /** The command window announced in login responses (MaxCmdSN - ExpCmdSN + 1). */
  public static final int CMD_WINDOW = 128;
  public static final int SECURITY_NEGOTIATION = 0;
  public static final int OPERATIONAL_NEGOTIATION = 1;
  public static final int FULL_FEATURE_PHASE = 3;
  /** The only iSCSI version (11.12.4). */
  public static final int VERSION = 0x00;

  private static final Logger LOG = LoggerFactory.getLogger(LoginNegotiator.class);
  private static final int T_BIT = 0x80;
  private static final int C_BIT = 0x40;

  /** What to do after one Login Request. */
  public record Step(Pdu response, Outcome outcome) {}

  public enum Outcome {
    /** Send the response and wait for the next Login Request. */
    CONTINUE,
    /** Send the response: login is complete, the connection enters Full Feature Phase with {@link #params()}. */
    FULL_FEATURE,
    /** Send the response (a failure status) and close the connection. */
    FAILED
  }

  private final SessionParams params = new SessionParams();
  private final TargetCatalog catalog;
  private final SessionBinder binder;
  private final Random random;

  private final ByteArrayOutputStream pendingText = new ByteArrayOutputStream();
  private final Set<String> seenKeys = new HashSet<>();
  private boolean started;
  private boolean textSeen;
  private boolean finished;
  private int stage = SECURITY_NEGOTIATION;
  private byte[] isid = new byte[6];
  private int requestTsih;
  private int tsih;
  private int cid;
  private int statSn;
  private int expCmdSn;
  private ChapAuthenticator auth;
  private boolean declaredMaxRecv;

  /**
   * @param catalog targets and credentials
   * @param binder creates / reinstates the session on the final step
   * @param targetPortalGroupTag this portal's TPGT (sent as TargetPortalGroupTag in the first
   *     response of a normal session, RFC 7143 13.9)
   * @param targetMaxRecvDataSegmentLength what we declare as our MaxRecvDataSegmentLength
   */
  public LoginNegotiator(TargetCatalog catalog, SessionBinder binder, int targetPortalGroupTag,
      int targetMaxRecvDataSegmentLength) {
    this(catalog, binder, targetPortalGroupTag, targetMaxRecvDataSegmentLength, new SecureRandom());
  }

  /** As above with an explicit source of CHAP identifiers and challenges (tests). */
  public LoginNegotiator(TargetCatalog catalog, SessionBinder binder, int targetPortalGroupTag,
      int targetMaxRecvDataSegmentLength, Random random) {
    this.catalog = catalog;
    this.binder = binder;
    this.random = random;
    params.targetPortalGroupTag = targetPortalGroupTag;
    params.targetMaxRecvDataSegmentLength = targetMaxRecvDataSegmentLength;
  }

  /** Handles one Login Request (the caller releases the request PDU afterwards). */
  public Step onLoginRequest(Pdu request) {
    if (finished) {
      return fail(request, new LoginFailure(INVALID_DURING_LOGIN, "login already ended"));
    }
    try {
      return handle(request);
    } catch (LoginFailure f) {
      return fail(request, f);
    }
  }

  /** The negotiated parameters; final once {@link Outcome#FULL_FEATURE} was returned. */
  public SessionParams params() {
    return params;
  }

  /** The ISID of the session being logged into (6 bytes). */
  public byte[] isid() {
    return isid.clone();
  }

  /** The TSIH sent in the final response (the request's TSIH before that). */
  public int tsih() {
    return tsih;
  }

  /** The CID of this connection (11.12.6). */
  public int cid() {
    return cid;
  }

  /** The StatSN the next response on this connection carries (the first one after login). */
  public int nextStatSn() {
    return statSn;
  }

  /** ExpCmdSN as of the last response: the CmdSN the first non-immediate command will carry. */
  public int expCmdSn() {
    return expCmdSn;
  }

  private Step handle(Pdu req) throws LoginFailure {
    if (req.opcode() != Opcode.LOGIN_REQUEST) {
      throw new LoginFailure(INVALID_DURING_LOGIN, "not a Login Request during login");
    }
    int flags = req.flags();
    boolean transit = (flags & T_BIT) != 0;
    boolean cont = (flags & C_BIT) != 0;
    int csg = (flags >> 2) & 3;
    int nsg = flags & 3;
    checkHeader(req, csg);
    expCmdSn = req.i32(24);
    if (transit && cont) {
      throw new LoginFailure(INITIATOR_ERROR, "T and C both set");
    }
    if (transit && !legalTransition(csg, nsg)) {
      throw new LoginFailure(INITIATOR_ERROR, "illegal stage transition " + csg + "->" + nsg);
    }
    int dsl = req.data().readableBytes();
    if (pendingText.size() + dsl > TextKeys.MAX_TEXT_LENGTH) {
      throw new LoginFailure(INITIATOR_ERROR, "login text longer than 64 KiB");
    }
    byte[] chunk = new byte[dsl];
    req.data().getBytes(req.data().readerIndex(), chunk);
    pendingText.writeBytes(chunk);
    if (cont) {
      // 6.2.1: a request with C=1 is answered with an empty response
      return new Step(response(req, stage, false, 0, 0, List.of()), Outcome.CONTINUE);
    }
    byte[] text = pendingText.toByteArray();
    pendingText.reset();
    List<KeyValue> pairs = parse(text);

    List<KeyValue> answer = new ArrayList<>();
    if (!textSeen) {
      textSeen = true;
      establish(pairs, answer);
    }
    negotiate(pairs, answer);

    boolean grant = false;
    if (transit) {
      if (stage != SECURITY_NEGOTIATION || auth.satisfied()) {
        grant = true;
      } else if (!auth.inProgress()) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "authentication required");
      }
    }
    boolean last = grant && nsg == FULL_FEATURE_PHASE;
    if (!declaredMaxRecv && (stage == OPERATIONAL_NEGOTIATION || last)) {
      answer.add(new KeyValue("MaxRecvDataSegmentLength",
          Integer.toString(params.targetMaxRecvDataSegmentLength)));
      declaredMaxRecv = true;
    }
    if (last) {
      OperationalKeys.finish(params);
      try {
        tsih = binder.bind(params, isid.clone(), requestTsih);
      } catch (LoginException e) {
        throw new LoginFailure(e.status(), "session binding refused: " + e.getMessage());
      }
      finished = true;
      Pdu r = response(req, stage, true, nsg, 0, answer);
      LOG.debug("login complete: initiator={} target={} tsih={}", params.initiatorName,
          params.targetName, tsih);
      return new Step(r, Outcome.FULL_FEATURE);
    }
    Pdu r = response(req, stage, grant, nsg, 0, answer);
    if (grant) {
      stage = nsg;
    }
    return new Step(r, Outcome.CONTINUE);
  }

  private void checkHeader(Pdu req, int csg) throws LoginFailure {
    byte[] reqIsid = req.bytes(8, 6);
    int reqTsih = req.u16(14);
    int reqCid = req.u16(20);
    if (!started) {
      started = true;
      isid = reqIsid;
      requestTsih = reqTsih;
      tsih = reqTsih;
      cid = reqCid;
      int versionMax = req.u8(2);
      int versionMin = req.u8(3);
      if (versionMin > VERSION || versionMax < VERSION) {
        throw new LoginFailure(UNSUPPORTED_VERSION, "unsupported version range");
      }
      if (csg != SECURITY_NEGOTIATION && csg != OPERATIONAL_NEGOTIATION) {
        throw new LoginFailure(INITIATOR_ERROR, "first request in stage " + csg);
      }
      stage = csg;
      return;
    }
    if (!Arrays.equals(isid, reqIsid) || reqTsih != requestTsih || reqCid != cid) {
      throw new LoginFailure(INITIATOR_ERROR, "ISID, TSIH or CID changed during login");
    }
    if (csg != stage) {
      throw new LoginFailure(INITIATOR_ERROR, "CSG " + csg + " but the stage is " + stage);
    }
  }

  private static boolean legalTransition(int csg, int nsg) {
    return (csg == SECURITY_NEGOTIATION
            && (nsg == OPERATIONAL_NEGOTIATION || nsg == FULL_FEATURE_PHASE))
        || (csg == OPERATIONAL_NEGOTIATION && nsg == FULL_FEATURE_PHASE);
  }

  private List<KeyValue> parse(byte[] text) throws LoginFailure {
    List<KeyValue> pairs;
    try {
      pairs = TextKeys.parse(text);
    } catch (TextFormatException e) {
      throw new LoginFailure(INITIATOR_ERROR, "malformed login text: " + e.getMessage());
    }
    for (KeyValue kv : pairs) {
      if (!seenKeys.add(kv.key())) {
        throw new LoginFailure(INITIATOR_ERROR, "key " + kv.key() + " sent twice");
      }
      if (kv.value().getBytes(StandardCharsets.UTF_8).length > TextKeys.maxValueLength(kv.key())) {
        throw new LoginFailure(INITIATOR_ERROR, "value of " + kv.key() + " too long");
      }
    }
    return pairs;
  }

  /** The first complete text: who logs in to what (RFC 7143 6.3, 13.4, 13.5, 13.11). */
  private void establish(List<KeyValue> pairs, List<KeyValue> answer) throws LoginFailure {
    Map<String, String> keys = new LinkedHashMap<>();
    for (KeyValue kv : pairs) {
      keys.put(kv.key(), kv.value());
    }
    String initiatorName = keys.get("InitiatorName");
    if (initiatorName == null || initiatorName.isEmpty()) {
      throw new LoginFailure(MISSING_PARAMETER, "InitiatorName missing");
    }
    params.initiatorName = initiatorName;
    params.initiatorAlias = keys.get("InitiatorAlias");
    String type = keys.getOrDefault("SessionType", "Normal");
    ChapCredentials credentials;
    if (type.equals("Discovery")) {
      params.discovery = true;
      params.targetName = null;
      credentials = catalog.discoveryChap();
    } else if (type.equals("Normal")) {
      String targetName = keys.get("TargetName");
      if (targetName == null || targetName.isEmpty()) {
        throw new LoginFailure(MISSING_PARAMETER, "TargetName missing");
      }
      TargetInfo target = catalog.target(targetName).orElseThrow(
          () -> new LoginFailure(NOT_FOUND, "no target " + targetName));
      if (!SendTargets.allowed(target, initiatorName)) {
        throw new LoginFailure(AUTHORIZATION_FAILURE,
            "initiator " + initiatorName + " not allowed on " + target.name());
      }
      params.targetName = target.name();
      credentials = target.chap();
      answer.add(new KeyValue("TargetPortalGroupTag",
          Integer.toString(params.targetPortalGroupTag)));
      if (target.alias() != null && !target.alias().isEmpty()) {
        answer.add(new KeyValue("TargetAlias", target.alias()));
      }
    } else {
      throw new LoginFailure(SESSION_TYPE_NOT_SUPPORTED, "SessionType " + type);
    }
    auth = new ChapAuthenticator(credentials, random);
    if (stage != SECURITY_NEGOTIATION && credentials != null) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "security negotiation skipped");
    }
  }

  /** Every key of one complete text except the identity keys handled by {@link #establish}. */
  private void negotiate(List<KeyValue> pairs, List<KeyValue> answer) throws LoginFailure {
    Map<String, String> security = new LinkedHashMap<>();
    for (KeyValue kv : pairs) {
      String k = kv.key();
      String v = kv.value();
      switch (k) {
        case "InitiatorName", "TargetName" -> { } // first text only; a repeat is caught as a duplicate
        case "InitiatorAlias" -> params.initiatorAlias = v;
        case "SessionType" -> {
          if (params.discovery != v.equals("Discovery")) {
            throw new LoginFailure(INITIATOR_ERROR, "SessionType changed during login");
          }
        }
        case "SendTargets" -> answer.add(new KeyValue(k, OperationalKeys.IRRELEVANT));
        default -> {
          if (ChapAuthenticator.isSecurityKey(k)) {
            if (stage != SECURITY_NEGOTIATION) {
              throw new LoginFailure(INITIATOR_ERROR, k + " outside the security stage");
            }
            security.put(k, v);
          } else if (OperationalKeys.TARGET_ONLY.contains(k)) {
            throw new LoginFailure(INITIATOR_ERROR, k + " is declared by targets only");
          } else {
            String r = OperationalKeys.negotiate(k, v, params);
            if (r != null) {
              answer.add(new KeyValue(k, r));
            }
          }
        }
      }
    }
    if (!security.isEmpty()) {
      auth.onKeys(security, answer);
    }
  }

  private Step fail(Pdu req, LoginFailure f) {
    finished = true;
    LOG.info("login failed with status 0x{}: {} (initiator={})",
        String.format("%04x", f.status()), f.getMessage(), params.initiatorName);
    return new Step(response(req, stage, false, 0, f.status(), f.keys()), Outcome.FAILED);
  }

  /** RFC 7143 11.13 Login Response. */
  private Pdu response(Pdu req, int csg, boolean transit, int nsg, int status,
      List<KeyValue> keys) {
    Pdu r = Pdu.create(Opcode.LOGIN_RESPONSE, TextKeys.encodeBuf(keys));
    r.setFlags((transit ? T_BIT : 0) | (csg << 2) | (transit ? nsg : 0));
    r.put8(2, VERSION); // Version-max
    r.put8(3, VERSION); // Version-active
    r.putBytes(8, req.bytes(8, 6));
    r.put16(14, finished && status == 0 ? tsih : req.u16(14));
    r.setItt(req.itt());
    r.put32(24, statSn++);
    int cmdSn = req.i32(24);
    r.put32(28, cmdSn);
    r.put32(32, cmdSn + CMD_WINDOW - 1);
    r.put8(36, status >>> 8);
    r.put8(37, status);
    return r;
  }
}
