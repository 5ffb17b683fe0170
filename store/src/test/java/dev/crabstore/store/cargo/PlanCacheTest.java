package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan cache across checkouts: a copy of a workspace in another directory gets the first checkout's plan, moved
 * to its own paths, without running cargo; a changed manifest, or a path dependency outside the workspace (which
 * would be another directory from elsewhere), is a miss.
 */
class PlanCacheTest {
    @TempDir
    Path dir;

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        return env;
    }

    /** Plans {@code ws} with real cargo and records it, as a build on a cache miss does. */
    PlanCache.Entry planAndPut(PlanCache cache, Path ws, CargoSelection selection) {
        Map<String, String> env = env();
        CargoPlan cargo = new CargoPlanRunner("cargo", CargoPlanRunner.cargoVariables(env)).plan(ws, selection);
        PlanCache.Entry e = new PlanCache.Entry(cargo, RustToolchain.probe(ws, env));
        cache.put(PlanCache.key(ws, selection, env), ws, e);
        return e;
    }

    Optional<PlanCache.Entry> get(PlanCache cache, Path ws, CargoSelection selection) {
        return cache.get(PlanCache.key(ws, selection, env()), ws);
    }

    @Test
    void aCopyElsewhereGetsThePlanMovedToItsOwnPaths() throws Exception {
        Tools.require("cargo");
        PlanCache cache = new PlanCache(dir.resolve("plans"));
        CargoSelection selection = CargoSelection.of("--offline");
        Path a = dir.resolve("a/hello");
        Corpus.copyWorkspace(Corpus.repoRoot().resolve("examples/hello-workspace"), a);
        PlanCache.Entry original = planAndPut(cache, a, selection);
        Path b = dir.resolve("elsewhere/b/hello");
        Corpus.copyWorkspace(Corpus.repoRoot().resolve("examples/hello-workspace"), b);

        PlanCache.Entry moved = get(cache, b, selection).orElseThrow(() -> new AssertionError("a miss"));
        assertEquals(original.cargo().unitGraph().units().size(), moved.cargo().unitGraph().units().size());
        for (MetadataPackage p : moved.cargo().metadata().packages().values()) {
            assertTrue(p.manifestPath().startsWith(b + "/"), p.manifestPath());
            assertTrue(p.id().contains(b.toString()), p.id());
        }
        assertFalse(moved.cargo().unitGraphJson().contains(a.toString()));
        assertFalse(moved.cargo().metadataJson().contains(a.toString()));
        // What cargo itself says about the copy, byte for byte.
        CargoPlan real = new CargoPlanRunner("cargo", CargoPlanRunner.cargoVariables(env())).plan(b, selection);
        assertEquals(real.unitGraphJson().strip(), moved.cargo().unitGraphJson().strip());
        assertEquals(real.metadata().packages().keySet(), moved.cargo().metadata().packages().keySet());
        assertTrue(get(cache, a, selection).isPresent(), "the first checkout still finds it");

        Files.writeString(b.resolve("hello/Cargo.toml"), "\n# edited\n", java.nio.file.StandardOpenOption.APPEND);
        assertTrue(get(cache, b, selection).isEmpty(), "a changed member manifest is a miss");
    }

    @Test
    void aPathDependencyOutsideTheWorkspaceIsNotMoved() throws Exception {
        Tools.require("cargo");
        PlanCache cache = new PlanCache(dir.resolve("plans"));
        CargoSelection selection = CargoSelection.of("--offline");
        for (String where : new String[] {"a", "b"}) {
            Path root = dir.resolve(where);
            Files.createDirectories(root.resolve("dep/src"));
            Files.writeString(root.resolve("dep/Cargo.toml"), "[package]\nname = \"dep\"\nversion = \"0.1.0\"\n"
                    + "edition = \"2021\"\n");
            Files.writeString(root.resolve("dep/src/lib.rs"), "pub fn f() {}\n");
            Files.createDirectories(root.resolve("app/src"));
            Files.writeString(root.resolve("app/Cargo.toml"), "[package]\nname = \"app\"\nversion = \"0.1.0\"\n"
                    + "edition = \"2021\"\n\n[dependencies]\ndep = { path = \"../dep\" }\n");
            Files.writeString(root.resolve("app/src/main.rs"), "fn main() { dep::f() }\n");
        }
        planAndPut(cache, dir.resolve("a/app"), selection);
        assertTrue(get(cache, dir.resolve("a/app"), selection).isPresent());
        assertTrue(get(cache, dir.resolve("b/app"), selection).isEmpty(),
                "../dep is another package from b: cargo must plan it");
    }

    @Test
    void relativeKeysAndMovesStopAtPathBoundaries() {
        assertEquals("<ws>\n<ws>/Cargo.lock:x\n/w/s2/Cargo.lock:y\n",
                PlanCache.relative("/w/s\n/w/s/Cargo.lock:x\n/w/s2/Cargo.lock:y\n", "/w/s"));
        assertEquals("{\"a\":\"/n/t/x\",\"b\":\"path+file:///n/t#0.1.0\",\"c\":\"/w/s2/y\",\"d\":\"/n/t\"}",
                PlanCache.moved("{\"a\":\"/w/s/x\",\"b\":\"path+file:///w/s#0.1.0\",\"c\":\"/w/s2/y\",\"d\":\"/w/s\"}",
                        "/w/s", "/n/t"));
        assertTrue(PlanCache.isPlain("/home/me/src/my-crate_1.0+x@y"));
        assertFalse(PlanCache.isPlain("/home/me/my crate"));
        assertFalse(PlanCache.isPlain("/home/me/\"q\""));
    }

    @Test
    void entriesOfDeletedWorkspacesAreForgotten() throws Exception {
        Tools.require("cargo");
        PlanCache cache = new PlanCache(dir.resolve("plans"));
        Path a = dir.resolve("a/hello");
        Corpus.copyWorkspace(Corpus.repoRoot().resolve("examples/hello-workspace"), a);
        planAndPut(cache, a, CargoSelection.of("--offline"));
        planAndPut(cache, a, CargoSelection.of("--offline", "--release"));
        assertEquals(0, cache.forgetDeletedWorkspaces(), "the workspace is there");
        Files.delete(a.resolve("Cargo.toml"));
        assertEquals(2, cache.forgetDeletedWorkspaces());
        try (var s = Files.list(dir.resolve("plans"))) {
            assertEquals(0, s.count());
        }
        assertEquals(0, new PlanCache(dir.resolve("none")).forgetDeletedWorkspaces());
    }
}
