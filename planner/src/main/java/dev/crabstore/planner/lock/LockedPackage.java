package dev.crabstore.planner.lock;

import dev.crabstore.core.hash.Hash;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code [[package]]} of Cargo.lock.
 *
 * @param source       empty for path packages (workspace members and path dependencies)
 * @param checksum     the sha256 of the {@code .crate}, for registry packages
 * @param dependencies as written: {@code name}, {@code name version} or {@code name version (source)}
 */
public record LockedPackage(String name, String version, Optional<LockedSource> source, Optional<Hash> checksum,
        List<String> dependencies) {
    public LockedPackage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(checksum, "checksum");
        dependencies = List.copyOf(dependencies);
    }

    /** {@code name version}, as error messages and cargo name a package. */
    public String label() {
        return name + " " + version;
    }
}
