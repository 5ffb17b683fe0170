package dev.crabstore.store.fetch;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.hash.Hash;

/** Downloaded bytes do not have the hash the lockfile (or narinfo) promised. */
public class HashMismatchException extends CrabstoreException {
    public HashMismatchException(String what, Hash expected, Hash actual) {
        super("hash mismatch for " + what + ": expected " + expected.toString(dev.crabstore.core.hash.HashEncoding.BASE16)
                + ", got " + actual.toString(dev.crabstore.core.hash.HashEncoding.BASE16));
    }
}
