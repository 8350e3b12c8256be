package io.blockraft.target.iscsi.login;

import java.util.List;

/**
 * Internal: ends a login with a status (RFC 7143 11.13.5) and optionally keys to put in the failing
 * response (e.g. {@code CHAP_A=Reject}). The message is for logs and never contains secrets.
 */
final class LoginFailure extends Exception {
  private final int status;
  private final List<TextKeys.KeyValue> keys;

  LoginFailure(int status, String message) {
    this(status, message, List.of());
  }

  LoginFailure(int status, String message, List<TextKeys.KeyValue> keys) {
    super(message, null, false, false);
    this.status = status;
    this.keys = keys;
  }

  int status() {
    return status;
  }

  List<TextKeys.KeyValue> keys() {
    return keys;
  }
}
