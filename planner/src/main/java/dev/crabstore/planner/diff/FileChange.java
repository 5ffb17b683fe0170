package dev.crabstore.planner.diff;

/** One file that differs between two source trees: its path inside the tree, and how. */
public record FileChange(String path, Kind kind) {
    public enum Kind { MODIFIED, ADDED, REMOVED }

    /** {@code src/lib.rs}, {@code src/new.rs (added)}, {@code src/old.rs (removed)}. */
    @Override
    public String toString() {
        return switch (kind) {
            case MODIFIED -> path;
            case ADDED -> path + " (added)";
            case REMOVED -> path + " (removed)";
        };
    }
}
