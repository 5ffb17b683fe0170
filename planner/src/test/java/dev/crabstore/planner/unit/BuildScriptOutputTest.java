package dev.crabstore.planner.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Build-script directive parsing, both syntaxes (cargo-mechanics §3.3). */
class BuildScriptOutputTest {
    @Test
    void parsesEveryDirective() {
        BuildScriptOutput o = BuildScriptOutput.parse("""
                cargo::rerun-if-changed=build.rs
                cargo::rerun-if-env-changed=CRAB_TEST_VAR
                cargo::rustc-cfg=crab_has_gen
                cargo::rustc-check-cfg=cfg(crab_has_gen)
                cargo::rustc-env=BUILT_WITH=crabstore-probe
                cargo::metadata=include=/opt/crab/include
                cargo::warning=hello from util build script
                cargo:rustc-link-search=native=/out/lib
                cargo:rustc-link-lib=dylib=m
                cargo:rustc-flags=-l dylib=dl -L/opt/flags/lib
                cargo:rustc-link-arg=-Wl,--as-needed
                cargo:rustc-link-arg-bins=-Wl,-z,now
                cargo:rustc-link-arg-bin=tool=-Wl,-x
                cargo:root=/out
                not a directive
                  cargo:rustc-cfg=spaced   \s
                """, "util");
        assertEquals(List.of("native=/out/lib", "/opt/flags/lib"), o.linkSearch());
        assertEquals(List.of("dylib=m", "dylib=dl"), o.linkLibs());
        assertEquals(List.of("crab_has_gen", "spaced"), o.cfgs());
        assertEquals(List.of("cfg(crab_has_gen)"), o.checkCfgs());
        assertEquals(List.of(Map.entry("BUILT_WITH", "crabstore-probe")), o.env());
        assertEquals(List.of(Map.entry("include", "/opt/crab/include"), Map.entry("root", "/out")), o.metadata());
        assertEquals(List.of("hello from util build script"), o.warnings());
        assertEquals(List.of("build.rs"), o.rerunIfChanged());
        assertEquals(List.of("CRAB_TEST_VAR"), o.rerunIfEnvChanged());
        assertEquals(3, o.linkArgs().size());
        assertEquals(new BuildScriptOutput.LinkArg("bin", "tool", "-Wl,-x"), o.linkArgs().get(2));
    }

    @Test
    void newSyntaxRejectsUnknownKey() {
        var e = assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo::include=/x\n", "util"));
        assertTrue(e.getMessage().contains("util") && e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void rejectsMalformedDirectives() {
        assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo:rustc-flags=-C opt\n", "p"));
        assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo:rustc-flags=-l\n", "p"));
        assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo:rustc-env=NOVALUE\n", "p"));
        assertThrows(UnitGraphException.class,
                () -> BuildScriptOutput.parse("cargo:rustc-env=RUSTC_BOOTSTRAP=1\n", "p"));
        assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo::metadata=novalue\n", "p"));
        assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo:rustc-link-arg-bin=x\n", "p"));
        assertThrows(UnitGraphException.class, () -> BuildScriptOutput.parse("cargo:warning\n", "p"));
    }

    @Test
    void ordersSearchPathsInsideOutDirFirst() {
        BuildScriptOutput o = BuildScriptOutput.parse(
                "cargo:rustc-link-search=/usr/lib\ncargo:rustc-link-search=native=/o/out/lib\n", "p");
        assertEquals(List.of("native=/o/out/lib", "/usr/lib"), o.orderedLinkSearch("/o/out"));
    }
}
