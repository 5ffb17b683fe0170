package dev.crabstore.store;

import dev.crabstore.core.CrabstoreException;

/** A file, database or process operation of the store failed; the message names the path or operation. */
public class StoreIOException extends CrabstoreException {
    public StoreIOException(String message) {
        super(message);
    }

    public StoreIOException(String message, Throwable cause) {
        super(message + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""), cause);
    }
}
