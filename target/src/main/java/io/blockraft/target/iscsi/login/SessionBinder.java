package io.blockraft.target.iscsi.login;

/**
 * The session layer's part in login (RFC 7143 6.3.1, 6.3.5): called once, when the final Login
 * Response (T=1, NSG=FullFeature) is about to be sent, to create the session or reinstate one.
 */
public interface SessionBinder {
  /**
   * Binds the connection to a session.
   *
   * @param params the negotiated parameters (initiatorName, targetName, discovery set)
   * @param isid the 6-byte ISID from the Login Request
   * @param tsih the TSIH from the Login Request (0 = new session)
   * @return the TSIH to put in the final Login Response (non-zero)
   * @throws LoginException with the status class/detail to answer (e.g. 0x020a session does not
   *     exist when tsih != 0 names no session; 0x0206 too many connections)
   */
  int bind(SessionParams params, byte[] isid, int tsih) throws LoginException;
}
