package dev.crabstore.planner.unit;

import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One process cargo would start for a unit: rustc for compile units, the build-script executable for run units.
 * {@code env} holds only what cargo sets explicitly (not the inherited environment).
 */
public record Invocation(int unit, String program, List<String> args, SortedMap<String, String> env, String cwd) {
    public Invocation {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(cwd, "cwd");
        args = List.copyOf(args);
        env = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(env));
    }
}
