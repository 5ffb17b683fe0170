package dev.crabstore.planner.unit;

/** Caller-chosen {@code -C metadata} and {@code -C extra-filename} values (16 hex digits) per unit index. */
public interface UnitHashes {
    String metadata(int unit);

    String extraFilename(int unit);
}
