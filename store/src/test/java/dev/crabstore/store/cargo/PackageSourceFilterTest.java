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

    /** As cargo lists a path package's files: a directory with a Cargo.toml of its own is another package (a review). */
    @Test
    void nestedPackagesAreLeftOut(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path root = dir.resolve("root");
        java.nio.file.Files.createDirectories(root.resolve("vendor/heck/src"));
        java.nio.file.Files.createDirectories(root.resolve("src"));
        java.nio.file.Files.writeString(root.resolve("Cargo.toml"), "[package]\n");
        java.nio.file.Files.writeString(root.resolve("vendor/heck/Cargo.toml"), "[package]\n");
        assertFalse(WorkspaceBuilder.isIgnored(root, root), "the package itself");
        assertFalse(WorkspaceBuilder.isIgnored(root, root.resolve("src")));
        assertFalse(WorkspaceBuilder.isIgnored(root, root.resolve("vendor")), "no package of its own");
        assertTrue(WorkspaceBuilder.isIgnored(root, root.resolve("vendor/heck")));
    }
}
