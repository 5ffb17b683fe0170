package dev.crabstore.core.drv;

import dev.crabstore.core.InvalidFormatException;

/** A derivation (its ATerm text or its fields) is malformed; the message names the source and, when parsing, the offset. */
public class InvalidDerivationException extends InvalidFormatException {
    public InvalidDerivationException(String message) {
        super(message);
    }

    public InvalidDerivationException(String message, Throwable cause) {
        super(message, cause);
    }
}
