package io.blockraft.target.iscsi.login;

import io.blockraft.target.iscsi.pdu.Pdu;

/**
 * RFC 7143 6 (login phase), 11.12/11.13 (Login Request/Response), 12 (security), 13 (keys):
 * the login state machine of ONE connection. Pure: no channel, no I/O; the connection handler
 * feeds it every Login Request PDU and sends back what it returns.
 *
 * <p>(Contract stub; the login work implements it.)
 */
public final class LoginNegotiator {

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

  /**
   * @param catalog targets and credentials
   * @param binder creates / reinstates the session on the final step
   * @param targetPortalGroupTag this portal's TPGT (sent as TargetPortalGroupTag in the first
   *     response of a normal session, RFC 7143 13.9)
   * @param targetMaxRecvDataSegmentLength what we declare as our MaxRecvDataSegmentLength
   */
  public LoginNegotiator(TargetCatalog catalog, SessionBinder binder, int targetPortalGroupTag,
      int targetMaxRecvDataSegmentLength) {
    params.targetPortalGroupTag = targetPortalGroupTag;
    params.targetMaxRecvDataSegmentLength = targetMaxRecvDataSegmentLength;
  }

  /** Handles one Login Request (the caller releases the request PDU afterwards). */
  public Step onLoginRequest(Pdu request) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The negotiated parameters; final once {@link Outcome#FULL_FEATURE} was returned. */
  public SessionParams params() {
    return params;
  }

  /** The ISID of the session being logged into (6 bytes). */
  public byte[] isid() {
    return new byte[6];
  }

  /** The TSIH sent in the final response. */
  public int tsih() {
    return 0;
  }
}
