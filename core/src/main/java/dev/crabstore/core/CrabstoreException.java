package dev.crabstore.core;

/** Base of every error crabstore reports to a user; the message must say what is wrong and where. */
public class CrabstoreException extends RuntimeException {
    public CrabstoreException(String message) {
        super(message);
    }

    public CrabstoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
