package dev.crabstore.planner.lock;

import dev.crabstore.core.InvalidFormatException;

/** A {@code Cargo.lock} that cannot be read: the message names the file, the package and the problem. */
public final class InvalidLockfileException extends InvalidFormatException {
    public InvalidLockfileException(String message) {
        super(message);
    }
}
