package io.blockraft.target.node;

/** A configuration or command-line error. The message names the bad key and says what to fix. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
