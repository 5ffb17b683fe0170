package dev.crabstore.planner.diff;

import java.util.List;

/**
 * One reason two derivations differ, found in the derivations themselves (not inherited from an input).
 * {@code description} names the change and the package it is on ({@code src/lib.rs of textkit-util changed},
 * {@code feature "serde" enabled on itoa}, {@code RUSTFLAGS changed ("" → "--cfg x")}, {@code itoa 1.0.9 → 1.0.10}):
 * the same change on several units of a package, or on every unit, reads the same, so it groups them. {@code details}
 * are the lines that show it (changed files, arguments removed and added, old and new values).
 */
public record Difference(Kind kind, String description, List<String> details) {
    public enum Kind {
        VERSION, SOURCE, FEATURES, RUSTFLAGS, TOOLCHAIN, BUILDER, SYSTEM, NAME, OUTPUTS, ARGS, ENV, INPUT_ADDED,
        INPUT_REMOVED, OTHER
    }

    public Difference {
        details = List.copyOf(details);
    }

    public Difference(Kind kind, String description) {
        this(kind, description, List.of());
    }

    /** The kind as JSON and the docs spell it: {@code input-added}. */
    public String kindName() {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
