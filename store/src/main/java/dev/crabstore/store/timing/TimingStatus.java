package dev.crabstore.store.timing;

import java.util.Locale;

/** What became of a unit in a build, as the timing report names it. */
public enum TimingStatus {
    /** Built here, in the sandbox. */
    BUILT,
    /** Fetched from a binary cache. */
    SUBSTITUTED,
    /** Its outputs were already valid (cached): nothing to do, or not even looked at. */
    FRESH,
    FAILED,
    /** Neither built nor valid: the build stopped before it (an earlier failure). */
    SKIPPED;

    /** {@code built}, {@code substituted}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
