package dev.crabstore.planner.derive;

import dev.crabstore.core.path.StorePath;
import java.util.Optional;

/**
 * Where a package's source is in the store: {@code subdir} of {@code path}, produced by {@code drv} (a registry or
 * git source) or added by content (a path package, no derivation).
 */
public record PackageSource(StorePath path, Optional<StorePath> drv, String subdir) {
    public PackageSource {
        if (subdir.startsWith("/") || subdir.contains("..")) {
            throw new IllegalArgumentException("package subdir must be relative: " + subdir);
        }
    }

    public PackageSource(StorePath path, Optional<StorePath> drv) {
        this(path, drv, "");
    }

    public static PackageSource added(StorePath path) {
        return new PackageSource(path, Optional.empty());
    }
}
