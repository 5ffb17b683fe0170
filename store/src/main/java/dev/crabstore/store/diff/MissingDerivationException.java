package dev.crabstore.store.diff;

import dev.crabstore.core.CrabstoreException;

/** A derivation to compare is not a {@code .drv}, or is no longer in the store. */
public final class MissingDerivationException extends CrabstoreException {
    public MissingDerivationException(String message) {
        super(message);
    }
}
