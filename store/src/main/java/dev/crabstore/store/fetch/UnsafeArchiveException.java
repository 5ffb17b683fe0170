package dev.crabstore.store.fetch;

import dev.crabstore.core.InvalidFormatException;

/** A crate archive holds an entry that would land outside its directory, or an entry type crabstore refuses. */
public class UnsafeArchiveException extends InvalidFormatException {
    public UnsafeArchiveException(String message) {
        super(message);
    }
}
