package dev.crabstore.store.fetch;

import dev.crabstore.core.CrabstoreException;

/** A download failed; {@link #notFound()} tells "the server has no such file" from "the transfer failed". */
public class FetchException extends CrabstoreException {
    private final boolean notFound;

    public FetchException(String message, boolean notFound) {
        super(message);
        this.notFound = notFound;
    }

    public FetchException(String message, Throwable cause) {
        super(message + (cause.getMessage() != null ? ": " + cause.getMessage() : ""), cause);
        this.notFound = false;
    }

    public boolean notFound() {
        return notFound;
    }
}
