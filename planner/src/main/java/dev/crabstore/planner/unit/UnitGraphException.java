package dev.crabstore.planner.unit;

import dev.crabstore.core.InvalidFormatException;

/** A unit graph, cargo metadata document or build-script output is malformed; the message names the source and item. */
public class UnitGraphException extends InvalidFormatException {
    public UnitGraphException(String message) {
        super(message);
    }

    public UnitGraphException(String message, Throwable cause) {
        super(message, cause);
    }
}
