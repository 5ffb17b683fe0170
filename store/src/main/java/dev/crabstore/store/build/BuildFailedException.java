package dev.crabstore.store.build;

import dev.crabstore.core.CrabstoreException;

/** A derivation could not be built; the message names it and carries the builder's diagnostics. */
public class BuildFailedException extends CrabstoreException {
    public BuildFailedException(String message) {
        super(message);
    }

    public BuildFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
