package dev.crabstore.core;

/** Input in one of the formats crabstore reads (hash, store path, NAR, narinfo, drv, ...) is malformed. */
public class InvalidFormatException extends CrabstoreException {
    public InvalidFormatException(String message) {
        super(message);
    }

    public InvalidFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
