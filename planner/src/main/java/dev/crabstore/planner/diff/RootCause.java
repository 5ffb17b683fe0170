package dev.crabstore.planner.diff;

import dev.crabstore.core.path.StorePath;
import java.util.List;

/**
 * A pair of derivations that differ in themselves, not only through their inputs: {@code a} (old) and {@code b}
 * (new), reached from the compared pair through {@code via} (the names of the derivations on the way, the compared
 * pair first, this one last).
 */
public record RootCause(StorePath a, StorePath b, List<String> via, List<Difference> differences) {
    public RootCause {
        via = List.copyOf(via);
        differences = List.copyOf(differences);
    }
}
