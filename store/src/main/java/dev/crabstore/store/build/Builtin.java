package dev.crabstore.store.build;

/**
 * A builder that crabstore runs itself, named {@code builtin:<name>} in a derivation (as Nix has
 * {@code builtin:fetchurl}).
 */
public interface Builtin {
    /** The name after {@code builtin:}. */
    String name();

    /** Produces every output of {@code job}; throws {@link BuildFailedException} with a message on failure. */
    void build(BuildJob job);

    /**
     * Whether the output is an upstream source as published (a crate archive unpacked, a git checkout), fixed by a
     * checksum or commit: whatever paths its files mention were written by its authors, not by a build here, so the
     * path-leak scan skips it.
     */
    default boolean copiesUpstreamSource() {
        return false;
    }
}
