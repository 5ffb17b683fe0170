package dev.crabstore.store.build;

import java.util.Objects;

/** Which Rust toolchain the sandbox mounts: its identity (as unit derivations name it) and a line for messages. */
public record RustToolchainId(String identity, String description) {
    public RustToolchainId {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(description, "description");
    }
}
