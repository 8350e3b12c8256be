package io.blockraft.storage;

/** The underlying store failed (I/O error, corruption). Not an argument error. */
public class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
