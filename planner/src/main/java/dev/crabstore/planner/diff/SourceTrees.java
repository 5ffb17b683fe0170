package dev.crabstore.planner.diff;

import dev.crabstore.core.path.StorePath;
import java.util.List;
import java.util.Optional;

/** Compares two source trees in the store file by file; empty when either is not there (garbage-collected). */
@FunctionalInterface
public interface SourceTrees {
    Optional<List<FileChange>> compare(StorePath a, StorePath b);

    /** For comparisons that cannot look inside sources. */
    SourceTrees NONE = (a, b) -> Optional.empty();
}
