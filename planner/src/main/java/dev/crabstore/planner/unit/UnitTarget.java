package dev.crabstore.planner.unit;

import java.util.List;
import java.util.Objects;

/** The cargo target a unit compiles: kind ({@code lib}, {@code bin}, {@code proc-macro}, {@code custom-build}, ...). */
public record UnitTarget(List<String> kind, List<String> crateTypes, String name, String srcPath, String edition,
        boolean doc, boolean doctest, boolean test) {
    public UnitTarget {
        kind = List.copyOf(kind);
        crateTypes = List.copyOf(crateTypes);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(srcPath, "srcPath");
        Objects.requireNonNull(edition, "edition");
        if (kind.isEmpty()) {
            throw new IllegalArgumentException("target " + name + " has no kind");
        }
    }

    public boolean isCustomBuild() {
        return kind.contains("custom-build");
    }

    public boolean isProcMacro() {
        return kind.contains("proc-macro");
    }

    public boolean isLib() {
        return kind.contains("lib") || kind.contains("rlib") || kind.contains("dylib") || kind.contains("cdylib")
                || kind.contains("staticlib") || isProcMacro();
    }

    public boolean isBin() {
        return kind.contains("bin");
    }

    public boolean isExample() {
        return kind.contains("example");
    }

    /** The name rustc sees: {@code -} replaced by {@code _}; build scripts are {@code build_script_build}. */
    public String crateName() {
        return name.replace('-', '_');
    }

    /** Kind as one word for display ({@code lib}, {@code bin}, {@code custom-build}, ...). */
    public String kindLabel() {
        return String.join(",", kind);
    }
}
