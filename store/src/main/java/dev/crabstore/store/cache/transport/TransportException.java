package dev.crabstore.store.cache.transport;

import dev.crabstore.core.CrabstoreException;

/** The cache could not be reached or answered with an error (not a plain "not found"). */
public class TransportException extends CrabstoreException {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""), cause);
    }
}
