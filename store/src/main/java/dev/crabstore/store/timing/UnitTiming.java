package dev.crabstore.store.timing;

import java.util.OptionalLong;

/**
 * One unit's part in a build: milliseconds since the build started at which its work began and ended (empty for a
 * unit the build never looked at), what became of it, and the cache it came from when substituted (else empty).
 */
public record UnitTiming(TimingNode node, TimingStatus status, OptionalLong start, OptionalLong end, String from) {
    public UnitTiming {
        if (start.isPresent() != end.isPresent()) {
            throw new IllegalArgumentException(node.label() + ": a start without an end");
        }
        if (start.isPresent() && end.getAsLong() < start.getAsLong()) {
            throw new IllegalArgumentException(node.label() + ": ends at " + end.getAsLong() + " ms before it starts at "
                    + start.getAsLong() + " ms");
        }
    }

    /** How long its work took (0 when it was not timed). */
    public long millis() {
        return start.isPresent() ? end.getAsLong() - start.getAsLong() : 0;
    }
}
