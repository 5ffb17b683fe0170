package dev.crabstore.planner.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Build-script propagation rules (cargo-mechanics §2.2 rows 34-37, §3.3) on the three-crate shape of the ws2
 * experiment: nat (links = "natlib", build script) <- mid (build script) <- top (bin).
 */
class InvocationPlannerTest {
    private static final UnitProfile DEV = new UnitProfile("dev", "0", "false", null, "2", null, true, true, false,
            true, "unwind", "none");

    private static Unit lib(String pkg, List<UnitDependency> deps) {
        return new Unit("path+file:///w/" + pkg + "#0.1.0", new UnitTarget(List.of("lib"), List.of("lib"), pkg,
                "/w/" + pkg + "/src/lib.rs", "2021", true, true, true), DEV, null, "build", List.of(), false, deps);
    }

    private static Unit script(String pkg, boolean run, List<UnitDependency> deps) {
        return new Unit("path+file:///w/" + pkg + "#0.1.0", new UnitTarget(List.of("custom-build"), List.of("bin"),
                "build-script-build", "/w/" + pkg + "/build.rs", "2021", false, false, false), DEV, null,
                run ? "run-custom-build" : "build", List.of(), false, deps);
    }

    private static UnitDependency dep(int i, String name) {
        return new UnitDependency(i, name, false, false);
    }

    private static MetadataPackage pkg(String name, String links, String... kinds) {
        return new MetadataPackage("path+file:///w/" + name + "#0.1.0", name, "0.1.0", "/w/" + name + "/Cargo.toml",
                List.of(), "", "", "", "", "", "", "", new TreeSet<>(), links, "2021", List.of(kinds));
    }

    private final UnitGraph graph = new UnitGraph(List.of(
            lib("nat", List.of(dep(1, "build_script_build"))),
            script("nat", true, List.of(dep(2, "build_script_build"))),
            script("nat", false, List.of()),
            lib("mid", List.of(dep(0, "nat"), dep(4, "build_script_build"))),
            script("mid", true, List.of(dep(5, "build_script_build"), dep(1, "build_script_build"))),
            script("mid", false, List.of()),
            new Unit("path+file:///w/top#0.1.0", new UnitTarget(List.of("bin"), List.of("bin"), "top",
                    "/w/top/src/main.rs", "2021", true, false, true), DEV, null, "build", List.of(), false,
                    List.of(dep(3, "mid")))), List.of(6));

    private final CargoMetadata metadata = new CargoMetadata(Map.of(
            "path+file:///w/nat#0.1.0", pkg("nat", "natlib", "lib", "custom-build"),
            "path+file:///w/mid#0.1.0", pkg("mid", null, "lib", "custom-build"),
            "path+file:///w/top#0.1.0", pkg("top", null, "bin")), List.of("path+file:///w/top#0.1.0"), "/w", "/w/target");

    private final UnitLayout layout = new UnitLayout() {
        public String workspaceRoot() {
            return "/w";
        }

        public String packageDir(MetadataPackage p) {
            return p.manifestDir();
        }

        public String outDir(int unit) {
            return "/o/" + unit;
        }

        public List<String> dependencyDirs(int unit) {
            return List.of("/o/deps");
        }

        public String buildScriptOutDir(int runUnit) {
            return "/o/" + runUnit + "/out";
        }

        public String buildScriptProgram(int compileUnit) {
            return "/o/" + compileUnit + "/build-script-build";
        }

        public String binaryPath(int binUnit) {
            return "/o/" + binUnit + "/bin";
        }

        public String targetTmpDir() {
            return "/o/tmp";
        }
    };

    private final InvocationPlanner planner = new InvocationPlanner(graph, metadata, layout, new UnitHashes() {
        public String metadata(int unit) {
            return "m" + unit;
        }

        public String extraFilename(int unit) {
            return "h" + unit;
        }
    }, new PlanSettings("cargo", "rustc", "rustdoc", "x86_64-unknown-linux-gnu", false, List.of(), List.of(), null, 2,
            List.of("target_os=\"linux\"", "unix", "target_feature=\"fxsr\"", "target_feature=\"sse\""),
            graph.rootPackageIds(), Map.of()));

    private final Map<Integer, BuildScriptOutput> outputs = Map.of(
            1, BuildScriptOutput.parse("""
                    cargo:rustc-link-search=/ext/lib
                    cargo:rustc-link-search=native=/o/1/out
                    cargo:rustc-link-lib=dylib=m
                    cargo:rustc-link-arg=-Wl,--as-needed
                    cargo:rustc-link-arg-bins=-Wl,-z,now
                    cargo:rustc-cfg=nat_cfg
                    cargo:rustc-check-cfg=cfg(nat_cfg)
                    cargo:rustc-env=NAT_ENV=hello
                    cargo:root=/o/1/out
                    """, "nat"),
            4, BuildScriptOutput.parse("cargo:rustc-cfg=mid_cfg\ncargo:include=/mid\n", "mid"));

    private List<String> args(int unit) {
        return planner.rustc(unit, outputs::get).args();
    }

    private static String tail(List<String> args, int from) {
        return String.join(" ", args.subList(from, args.size()));
    }

    @Test
    void ownPackageGetsEverythingOthersOnlySearchPaths() {
        List<String> nat = args(0);
        int l = nat.indexOf("dependency=/o/deps") + 1;
        assertEquals("-L native=/o/1/out -L /ext/lib -l dylib=m -C link-arg=-Wl,--as-needed --cfg nat_cfg "
                + "--check-cfg cfg(nat_cfg)", tail(nat, l));
        assertEquals("hello", planner.rustc(0, outputs::get).env().get("NAT_ENV"));
        assertEquals("/o/1/out", planner.rustc(0, outputs::get).env().get("OUT_DIR"));

        List<String> mid = args(3);
        assertTrue(String.join(" ", mid).contains("--extern nat=/o/0/libnat-h0.rmeta"), mid.toString());
        int m = mid.indexOf("dependency=/o/deps") + 1;
        assertEquals("--extern nat=/o/0/libnat-h0.rmeta -L native=/o/1/out -L /ext/lib --cfg mid_cfg", tail(mid, m));
        assertFalse(planner.rustc(3, outputs::get).env().containsKey("NAT_ENV"));

        List<String> top = args(6);
        assertTrue(String.join(" ", top).contains("--extern mid=/o/3/libmid-h3.rlib"), top.toString());
        int t = top.indexOf("dependency=/o/deps") + 1;
        assertEquals("--extern mid=/o/3/libmid-h3.rlib -L native=/o/1/out -L /ext/lib", tail(top, t));
        assertEquals("top", planner.rustc(6, outputs::get).env().get("CARGO_BIN_NAME"));
        assertEquals("1", planner.rustc(6, outputs::get).env().get("CARGO_PRIMARY_PACKAGE"));
        assertFalse(planner.rustc(0, outputs::get).env().containsKey("CARGO_PRIMARY_PACKAGE"));
    }

    @Test
    void buildScriptRunSeesMetadataOfLinksDependenciesOnly() {
        Invocation mid = planner.buildScriptRun(4, outputs::get);
        assertEquals("/o/1/out", mid.env().get("DEP_NATLIB_ROOT"));
        assertFalse(mid.env().keySet().stream().anyMatch(k -> k.startsWith("DEP_") && !k.equals("DEP_NATLIB_ROOT")));
        assertEquals("/o/5/build-script-build", mid.program());
        assertEquals("/w/mid", mid.cwd());
        assertEquals(List.of(), mid.args());
        assertEquals("linux", mid.env().get("CARGO_CFG_TARGET_OS"));
        assertEquals("", mid.env().get("CARGO_CFG_UNIX"));
        assertEquals("fxsr,sse", mid.env().get("CARGO_CFG_TARGET_FEATURE"));
        assertEquals("", mid.env().get("CARGO_CFG_DEBUG_ASSERTIONS"));
        assertEquals("true", mid.env().get("DEBUG"));
        assertEquals("debug", mid.env().get("PROFILE"));
        assertEquals("/o/4/out", mid.env().get("OUT_DIR"));
        Invocation nat = planner.buildScriptRun(1, outputs::get);
        assertEquals("natlib", nat.env().get("CARGO_MANIFEST_LINKS"));
        assertFalse(mid.env().containsKey("CARGO_MANIFEST_LINKS"));
        assertTrue(Collections.disjoint(nat.env().keySet(), List.of("CARGO_PRIMARY_PACKAGE", "CARGO_CRATE_NAME")));
    }

    @Test
    void sourcePathsOfLocalPackagesAreRelativeToTheWorkspace() {
        Invocation top = planner.rustc(6, outputs::get);
        assertEquals("top/src/main.rs", top.args().get(3));
        assertEquals("/w", top.cwd());
        assertFalse(top.args().contains("--cap-lints"));
    }
}
