package dev.crabstore.planner.unit;

import java.util.Objects;

/** An edge of the unit graph: index of the dependency unit and the name it is known by in {@code --extern}. */
public record UnitDependency(int index, String externCrateName, boolean isPublic, boolean noprelude) {
    public UnitDependency {
        Objects.requireNonNull(externCrateName, "externCrateName");
        if (index < 0) {
            throw new IllegalArgumentException("negative unit index " + index);
        }
    }
}
