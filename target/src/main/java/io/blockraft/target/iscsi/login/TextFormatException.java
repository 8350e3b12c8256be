package io.blockraft.target.iscsi.login;

/** Malformed key=value text (RFC 7143 6.1): the negotiation fails with an initiator error. */
public final class TextFormatException extends Exception {
  public TextFormatException(String message) {
    super(message, null, false, false);
  }
}
