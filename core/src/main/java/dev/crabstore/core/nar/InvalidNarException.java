package dev.crabstore.core.nar;

import dev.crabstore.core.InvalidFormatException;

/** A NAR archive is malformed; the message says what is wrong and at which byte offset. */
public class InvalidNarException extends InvalidFormatException {
    public InvalidNarException(String message) {
        super(message);
    }
}
