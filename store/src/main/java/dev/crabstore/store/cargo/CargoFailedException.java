package dev.crabstore.store.cargo;

import dev.crabstore.core.CrabstoreException;

/** A cargo subprocess failed; the message holds the command and cargo's stderr. */
public class CargoFailedException extends CrabstoreException {
    public CargoFailedException(String message) {
        super(message);
    }
}
