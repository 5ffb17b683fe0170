package dev.crabstore.core.cache;

import dev.crabstore.core.InvalidFormatException;

/** A {@code .narinfo} or {@code nix-cache-info} file is malformed; the message names the file and the line. */
public class InvalidNarInfoException extends InvalidFormatException {
    public InvalidNarInfoException(String message) {
        super(message);
    }
}
