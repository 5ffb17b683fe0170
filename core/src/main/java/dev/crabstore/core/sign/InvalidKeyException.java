package dev.crabstore.core.sign;

import dev.crabstore.core.InvalidFormatException;

/** A key or signature is not in Nix's {@code name:base64} form, or has the wrong length. */
public class InvalidKeyException extends InvalidFormatException {
    public InvalidKeyException(String message) {
        super(message);
    }
}
