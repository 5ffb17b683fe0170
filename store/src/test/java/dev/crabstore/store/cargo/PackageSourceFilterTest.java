package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What of a path package goes into its source store path. */
class PackageSourceFilterTest {
    static final Path PKG = Path.of("/ws/app");

    @Test
    void buildOutputVcsAndCrabstoresOwnConfigAreLeftOut() {
        assertTrue(WorkspaceBuilder.isIgnored(PKG, PKG.resolve("target/debug/app")));
        assertTrue(WorkspaceBuilder.isIgnored(PKG, PKG.resolve(".git")));
        assertTrue(WorkspaceBuilder.isIgnored(PKG, PKG.resolve(".crabstore.toml")),
                "changing the substituters must not change what is built");
        assertFalse(WorkspaceBuilder.isIgnored(PKG, PKG.resolve("src/.crabstore.toml")), "only the project file");
        assertFalse(WorkspaceBuilder.isIgnored(PKG, PKG.resolve("src/main.rs")));
        assertFalse(WorkspaceBuilder.isIgnored(PKG, PKG.resolve("Cargo.toml")));
    }
}
