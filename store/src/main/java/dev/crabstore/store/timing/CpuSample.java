package dev.crabstore.store.timing;

/** The machine's CPU use (0 to 1, all cores together) over the interval that ended {@code atMillis} into the build. */
public record CpuSample(long atMillis, double usage) {
    public CpuSample {
        if (!(usage >= 0 && usage <= 1)) {
            throw new IllegalArgumentException("CPU usage must be between 0 and 1, got " + usage);
        }
    }
}
