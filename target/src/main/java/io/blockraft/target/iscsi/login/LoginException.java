package io.blockraft.target.iscsi.login;

/** Ends a login with a Login Response status (RFC 7143 11.13.5): class in the high byte, detail in the low. */
public final class LoginException extends Exception {
  /** 0x0101 target moved temporarily */
  public static final int TARGET_MOVED_TEMPORARILY = 0x0101;
  public static final int INITIATOR_ERROR = 0x0200;
  public static final int AUTHENTICATION_FAILURE = 0x0201;
  public static final int AUTHORIZATION_FAILURE = 0x0202;
  public static final int NOT_FOUND = 0x0203;
  public static final int TARGET_REMOVED = 0x0204;
  public static final int UNSUPPORTED_VERSION = 0x0205;
  public static final int TOO_MANY_CONNECTIONS = 0x0206;
  public static final int MISSING_PARAMETER = 0x0207;
  public static final int CANT_INCLUDE_IN_SESSION = 0x0208;
  public static final int SESSION_TYPE_NOT_SUPPORTED = 0x0209;
  public static final int SESSION_DOES_NOT_EXIST = 0x020a;
  public static final int INVALID_DURING_LOGIN = 0x020b;
  public static final int TARGET_ERROR = 0x0300;
  public static final int SERVICE_UNAVAILABLE = 0x0301;
  public static final int OUT_OF_RESOURCES = 0x0302;

  private final int status;

  public LoginException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
