package dev.crabstore.planner.unit;

import java.util.List;
import java.util.Objects;
import java.util.SortedSet;

/**
 * What {@code cargo metadata} knows about a package and the unit graph does not: manifest fields behind the
 * {@code CARGO_PKG_*} variables, all declared features (for {@code --check-cfg}), {@code links}, and its targets
 * (what a legacy build plan names only by kind and crate name). Absent optional fields are empty strings, as cargo
 * sets them.
 */
public record MetadataPackage(String id, String name, String version, String manifestPath, List<String> authors,
        String description, String homepage, String repository, String license, String licenseFile,
        String rustVersion, String readme, SortedSet<String> declaredFeatures, String links, String edition,
        List<String> targetKinds, List<UnitTarget> targets) {
    public MetadataPackage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(manifestPath, "manifestPath");
        authors = List.copyOf(authors);
        declaredFeatures = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(declaredFeatures));
        targetKinds = List.copyOf(targetKinds);
        targets = List.copyOf(targets);
    }

    /** A package whose targets are known only by kind. */
    public MetadataPackage(String id, String name, String version, String manifestPath, List<String> authors,
            String description, String homepage, String repository, String license, String licenseFile,
            String rustVersion, String readme, SortedSet<String> declaredFeatures, String links, String edition,
            List<String> targetKinds) {
        this(id, name, version, manifestPath, authors, description, homepage, repository, license, licenseFile,
                rustVersion, readme, declaredFeatures, links, edition, targetKinds, List.of());
    }

    /** The directory holding Cargo.toml. */
    public String manifestDir() {
        int slash = manifestPath.lastIndexOf('/');
        return slash <= 0 ? "/" : manifestPath.substring(0, slash);
    }

    public boolean hasLib() {
        return targetKinds.stream().anyMatch(k -> k.equals("lib") || k.equals("rlib") || k.equals("dylib")
                || k.equals("cdylib") || k.equals("staticlib") || k.equals("proc-macro"));
    }
}
