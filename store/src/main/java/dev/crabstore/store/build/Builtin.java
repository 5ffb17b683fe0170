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
}
