package dev.crabstore.planner.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code [lints]} as rustc flags, in the order cargo 1.95 passes them. */
class ManifestLintsTest {
    static final String LINTS = """
            [lints.rust]
            unsafe_code = "forbid"
            unexpected_cfgs = { level = "allow", check-cfg = ['cfg(foo)'] }
            dead_code = { level = "warn", priority = -1 }
            missing_docs = "deny"

            [lints.clippy]
            pedantic = { level = "warn", priority = -1 }
            unwrap_used = "deny"
            """;

    /** What `cargo build -v` printed for a package with exactly these lints (cargo 1.95, 2026-12-06). */
    static final List<String> CARGO = List.of("--warn=clippy::pedantic", "--warn=dead_code",
            "--deny=clippy::unwrap_used", "--forbid=unsafe_code", "--allow=unexpected_cfgs", "--deny=missing_docs",
            "--check-cfg", "cfg(foo)");

    @Test
    void aPackagesLintsAsCargoPassesThem() {
        String manifest = "[package]\nname = \"w\"\nversion = \"0.1.0\"\n\n" + LINTS + "\n[lints.cargo]\nx = \"warn\"\n";
        assertEquals(CARGO, ManifestLints.rustcFlags(manifest, "w/Cargo.toml", null, "Cargo.toml"));
    }

    @Test
    void workspaceLintsAreInherited() {
        String ws = "[workspace]\nmembers = [\"w\"]\n\n" + LINTS.replace("[lints.", "[workspace.lints.");
        String member = "[package]\nname = \"w\"\nversion = \"0.1.0\"\n\n[lints]\nworkspace = true\n";
        assertEquals(CARGO, ManifestLints.rustcFlags(member, "w/Cargo.toml", ws, "Cargo.toml"));
        var e = assertThrows(InvalidFormatException.class, () -> ManifestLints.rustcFlags(member, "w/Cargo.toml",
                "[workspace]\n", "Cargo.toml"));
        assertTrue(e.getMessage().contains("w/Cargo.toml") && e.getMessage().contains("[workspace.lints]"),
                e.getMessage());
    }

    @Test
    void noLintsNoFlagsAndBadLevelsNamed() {
        assertEquals(List.of(), ManifestLints.rustcFlags("[package]\nname = \"w\"\n", "w/Cargo.toml", null, ""));
        var e = assertThrows(InvalidFormatException.class, () -> ManifestLints.rustcFlags(
                "[lints.rust]\nunsafe_code = \"loud\"\n", "w/Cargo.toml", null, ""));
        assertTrue(e.getMessage().contains("w/Cargo.toml") && e.getMessage().contains("unknown level 'loud'"),
                e.getMessage());
    }
}
