package dev.crabstore.planner.buildplan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitDependency;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Legacy build plans recorded with Debian bookworm's cargo 1.65 (see {@code resources/buildplan/README.md}) convert
 * to the units cargo 1.95's {@code --unit-graph} prints for the same workspace and lockfile.
 *
 * <p>Two differences come from the cargo versions, not from the conversion, and are asserted as such:
 * <ul>
 *   <li><b>debuginfo of build dependencies.</b> Since cargo 1.69 (PR rust-lang/cargo#11252) the dev profile's
 *       {@code build-override} no longer inherits {@code debug = 2}: units only needed to build the build
 *       (build-script compiles, proc-macros that are not roots, and what only they use; "build dependencies")
 *       get debuginfo 0, unless they are shared with the runtime graph. Cargo 1.65 compiled them with
 *       {@code -C debuginfo=2}, so the converted units say 2 where the unit graph says 0. A run unit copies the
 *       debuginfo of the library that needs it, so runs of build-dependency packages differ the same way.</li>
 *   <li><b>strip in release.</b> Since cargo 1.77 (PR rust-lang/cargo#13257) a profile without debuginfo and
 *       without an explicit {@code strip} strips debuginfo ({@code -C strip=debuginfo}); cargo 1.65 passed no
 *       strip, so the converted release units say {@code none} where the unit graph says {@code debuginfo}.</li>
 * </ul>
 * Everything else the two formats share is equal: the set of units (package, target, mode, platform), features,
 * the other profile fields (name, opt-level, lto, codegen-units, split-debuginfo, debug-assertions,
 * overflow-checks, rpath, incremental, panic), the dependency edges with their extern crate names, and the roots.
 */
class LegacyBuildPlanTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static String resource(String name) throws IOException {
        try (InputStream in = LegacyBuildPlanTest.class.getResourceAsStream("/buildplan/" + name)) {
            if (in == null) {
                throw new IOException("no test resource /buildplan/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String key(UnitGraph g, int i) {
        Unit u = g.unit(i);
        return u.pkgId() + " " + u.target().kindLabel() + " " + u.target().name() + " " + u.mode()
                + (u.platform() == null ? "" : " " + u.platform());
    }

    private static Map<String, Integer> index(UnitGraph g) {
        Map<String, Integer> m = new TreeMap<>();
        for (int i = 0; i < g.units().size(); i++) {
            Integer old = m.put(key(g, i), i);
            assertEquals(null, old, "two units with key " + key(g, i));
        }
        return m;
    }

    /** Units reachable from the roots without entering a build script or a proc-macro: the runtime graph. */
    private static Set<Integer> runtime(UnitGraph g) {
        Set<Integer> seen = new HashSet<>();
        List<Integer> stack = new ArrayList<>(g.roots());
        while (!stack.isEmpty()) {
            int i = stack.remove(stack.size() - 1);
            if (!seen.add(i)) {
                continue;
            }
            for (UnitDependency d : g.unit(i).dependencies()) {
                Unit dep = g.unit(d.index());
                if (!dep.target().isCustomBuild() && !dep.target().isProcMacro()) {
                    stack.add(d.index());
                }
            }
        }
        return seen;
    }

    private record Diffs(int debuginfo, int strip) {}

    /** Compares the converted plan with cargo's unit graph; returns how many explained differences were seen. */
    private static Diffs assertSameUnits(String dir, String planFile, String graphFile) throws IOException {
        CargoMetadata md = CargoMetadata.parse(resource(dir + "/metadata.json"), "metadata.json");
        UnitGraph legacy = LegacyBuildPlan.parse(resource(dir + "/" + planFile), planFile).toUnitGraph(md);
        UnitGraph cargo = UnitGraph.parse(resource(dir + "/" + graphFile), graphFile);
        Map<String, Integer> li = index(legacy);
        Map<String, Integer> ci = index(cargo);
        assertEquals(ci.keySet(), li.keySet(), "units of " + planFile + " vs " + graphFile);
        assertEquals(new TreeSet<>(cargo.roots().stream().map(r -> key(cargo, r)).toList()),
                new TreeSet<>(legacy.roots().stream().map(r -> key(legacy, r)).toList()), "roots");
        Set<Integer> runtime = runtime(cargo);
        int debuginfoDiffs = 0;
        int stripDiffs = 0;
        for (String k : ci.keySet()) {
            Unit c = cargo.unit(ci.get(k));
            Unit l = legacy.unit(li.get(k));
            assertEquals(c.target(), l.target(), k);
            assertEquals(c.features(), l.features(), k);
            assertEquals(c.isStd(), l.isStd(), k);
            UnitProfile cp = c.profile();
            UnitProfile lp = l.profile();
            assertEquals(cp.name(), lp.name(), k);
            assertEquals(cp.optLevel(), lp.optLevel(), k);
            assertEquals(cp.lto(), lp.lto(), k);
            assertEquals(cp.codegenUnits(), lp.codegenUnits(), k);
            assertEquals(cp.splitDebuginfo(), lp.splitDebuginfo(), k);
            assertEquals(cp.debugAssertions(), lp.debugAssertions(), k);
            assertEquals(cp.overflowChecks(), lp.overflowChecks(), k);
            assertEquals(cp.rpath(), lp.rpath(), k);
            assertEquals(cp.incremental(), lp.incremental(), k);
            assertEquals(cp.panic(), lp.panic(), k);
            if (!cp.debuginfo().equals(lp.debuginfo())) {
                // cargo >= 1.69 weakens build dependencies' debuginfo; 1.65 compiled them as the profile says.
                assertFalse(runtime.contains(ci.get(k)), k + ": debuginfo differs in the runtime graph");
                assertEquals("0", cp.debuginfo(), k);
                assertEquals("2", lp.debuginfo(), k);
                assertEquals("dev", cp.name(), k);
                debuginfoDiffs++;
            }
            if (!cp.strip().equals(lp.strip())) {
                // cargo >= 1.77 strips debuginfo when the profile has none; 1.65 passed no -C strip.
                assertEquals("debuginfo", cp.strip(), k);
                assertEquals("none", lp.strip(), k);
                assertEquals("0", cp.debuginfo(), k);
                stripDiffs++;
            }
            assertEquals(edges(cargo, c), edges(legacy, l), k + ": dependencies");
        }
        return new Diffs(debuginfoDiffs, stripDiffs);
    }

    private static Set<String> edges(UnitGraph g, Unit u) {
        Set<String> s = new TreeSet<>();
        for (UnitDependency d : u.dependencies()) {
            s.add(key(g, d.index()) + " as " + d.externCrateName() + (d.noprelude() ? " noprelude" : ""));
        }
        return s;
    }

    @Test
    void smallDevPlanIsCargosUnitGraph() throws IOException {
        Diffs d = assertSameUnits("small", "build-plan.json", "unit-graph.json");
        // Every unit with debuginfo 0 in cargo 1.95's graph: the 7 build-script compiles, the runs of the 5
        // build-dependency packages (proc-macro2, quote, syn, proc-macro-error, proc-macro-error-attr), the 2
        // proc-macros and the 8 libraries only they use (heck, proc-macro2, quote, syn, syn-mid, unicode-ident,
        // version_check, proc-macro-error).
        assertEquals(22, d.debuginfo());
        assertEquals(0, d.strip());
    }

    @Test
    void smallReleasePlanIsCargosUnitGraph() throws IOException {
        Diffs d = assertSameUnits("small", "build-plan-release.json", "unit-graph-release.json");
        assertEquals(0, d.debuginfo());
        assertEquals(35, d.strip());
    }

    @Test
    void helloDevPlanIsCargosUnitGraph() throws IOException {
        Diffs d = assertSameUnits("hello", "build-plan.json", "unit-graph.json");
        assertEquals(1, d.debuginfo()); // greet's build-script compile
    }

    @Test
    void helloTestsPlanIsCargosUnitGraph() throws IOException {
        Diffs d = assertSameUnits("hello", "build-plan-tests.json", "unit-graph-tests.json");
        // greet's build-script compile, and greet-macros compiled for the tests (no root there)
        assertEquals(2, d.debuginfo());
    }

    @Test
    void helloTargetPlanIsCargosUnitGraph() throws IOException {
        // With --target nothing is shared between host and target, and cargo 1.95 does not weaken debuginfo.
        Diffs d = assertSameUnits("hello", "build-plan-target.json", "unit-graph-target.json");
        assertEquals(new Diffs(0, 0), d);
        CargoMetadata md = CargoMetadata.parse(resource("hello/metadata.json"), "metadata.json");
        UnitGraph g = LegacyBuildPlan.parse(resource("hello/build-plan-target.json"), "p").toUnitGraph(md);
        assertEquals(java.util.Arrays.asList(null, "x86_64-unknown-linux-gnu", "x86_64-unknown-linux-gnu", null,
                "x86_64-unknown-linux-gnu"), g.units().stream().map(Unit::platform).toList());
    }

    @Test
    void readsTheInvocationsAsRecorded() throws IOException {
        LegacyBuildPlan p = LegacyBuildPlan.parse(resource("hello/build-plan.json"), "build-plan.json");
        assertEquals(5, p.invocations().size());
        BuildPlanInvocation run = p.invocation(1);
        assertTrue(run.isRunCustomBuild() && run.isCustomBuild());
        assertEquals(List.of(0), run.deps());
        assertEquals(List.of(), run.outputs());
        assertEquals(null, run.kind());
        assertTrue(run.program().endsWith("/build-script-build"), run.program());
        assertEquals("/tmp/legacy-scratch/ws/hello/greet", run.cwd());
        assertEquals(3, p.inputs().size());
    }

    @Test
    void convertsProfilesFeaturesAndExterns() throws IOException {
        CargoMetadata md = CargoMetadata.parse(resource("hello/metadata.json"), "metadata.json");
        UnitGraph g = LegacyBuildPlan.parse(resource("hello/build-plan.json"), "build-plan.json").toUnitGraph(md);
        Unit greet = g.units().stream().filter(u -> u.target().name().equals("greet")).findFirst().orElseThrow();
        assertEquals(List.of("default", "shout"), greet.features());
        assertEquals("path+file:///tmp/legacy-scratch/ws/hello/greet#0.2.0", greet.pkgId());
        assertEquals(new UnitProfile("dev", "0", "false", null, "2", null, true, true, false, true, "unwind", "none"),
                greet.profile());
        Unit run = g.unit(greet.dependencies().get(0).index());
        assertTrue(run.isRunCustomBuild());
        assertEquals("build_script_build", greet.dependencies().get(0).externCrateName());
        assertEquals(new UnitProfile("dev", "0", "false", null, "2", null, true, false, false, false, "unwind", "none"),
                run.profile());
        Unit hello = g.units().stream().filter(u -> u.target().name().equals("hello")).findFirst().orElseThrow();
        assertEquals(List.of("greet", "greet_macros"),
                hello.dependencies().stream().map(UnitDependency::externCrateName).toList());
    }

    @Test
    void convertsForAWorkspaceThatHasMovedSinceTheRecording() throws IOException {
        String moved = resource("hello/metadata.json").replace("/tmp/legacy-scratch/ws/hello", "/elsewhere/hello");
        CargoMetadata md = CargoMetadata.parse(moved, "metadata.json");
        UnitGraph g = LegacyBuildPlan.parse(resource("hello/build-plan.json"), "build-plan.json").toUnitGraph(md);
        assertEquals(5, g.units().size());
        assertTrue(g.units().stream().allMatch(u -> u.pkgId().startsWith("path+file:///elsewhere/hello/")));
        assertTrue(g.units().stream().allMatch(u -> u.target().srcPath().startsWith("/elsewhere/hello/")));
        assertEquals(List.of(2, 3, 4), g.roots());
    }

    @Test
    void rustcArgsGiveTheProfile() {
        RustcArgs a = RustcArgs.parse(List.of("--crate-name", "x", "--edition=2021", "src/main.rs", "--crate-type",
                "bin", "-C", "opt-level=3", "-C", "panic=abort", "-Ccodegen-units=1", "-C", "lto", "-C",
                "debug-assertions=on", "-C", "overflow-checks=off", "-C", "strip=symbols", "-C", "rpath", "--cfg",
                "feature=\"b\"", "--cfg", "feature=\"a\"", "--cfg", "other", "--extern", "noprelude:y=/t/liby.rlib",
                "--extern", "proc_macro", "--out-dir", "/t/target/release/deps"), "w");
        assertEquals("x", a.crateName());
        assertEquals("src/main.rs", a.sourcePath());
        assertEquals(List.of("a", "b"), a.features());
        assertEquals(List.of(new RustcArgs.Extern("y", "/t/liby.rlib", true), new RustcArgs.Extern("proc_macro",
                null, false)), a.externs());
        assertEquals(new UnitProfile("release", "3", "true", 1, "0", null, true, false, true, false, "abort",
                "symbols"), a.profile("release", null, "w"));
        RustcArgs dep = RustcArgs.parse(List.of("--crate-name", "d", "s.rs", "-C", "opt-level=3", "-C",
                "linker-plugin-lto"), "w");
        assertEquals("thin", dep.profile("release", "thin", "w").lto());
        assertEquals(false, dep.profile("release", null, "w").debugAssertions());
        var e = assertThrows(BuildPlanException.class, () -> RustcArgs.parse(List.of("s.rs", "-C",
                "debug-assertions=maybe"), "plan.json: invocation 4").profile("dev", null, "plan.json: invocation 4"));
        assertTrue(e.getMessage().contains("invocation 4") && e.getMessage().contains("maybe"), e.getMessage());
        assertThrows(BuildPlanException.class, () -> RustcArgs.parse(List.of("s.rs", "--crate-name"), "w"));
    }

    // ---- bad input ---------------------------------------------------------------------------------------------

    private static String mutated(String file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(resource(file));
        edit.accept(root);
        return root.toString();
    }

    private static ObjectNode inv(ObjectNode root, int i) {
        return (ObjectNode) root.get("invocations").get(i);
    }

    private static BuildPlanException parseFails(String json) {
        return assertThrows(BuildPlanException.class, () -> LegacyBuildPlan.parse(json, "plan.json"));
    }

    private static BuildPlanException convertFails(String json) throws IOException {
        CargoMetadata md = CargoMetadata.parse(resource("hello/metadata.json"), "metadata.json");
        LegacyBuildPlan p = LegacyBuildPlan.parse(json, "plan.json");
        return assertThrows(BuildPlanException.class, () -> p.toUnitGraph(md));
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
        assertTrue(e instanceof InvalidFormatException);
    }

    @Test
    void rejectsMalformedJson() {
        assertMessage(parseFails("{\"invocations\":["), "plan.json", "invalid JSON");
        assertMessage(parseFails("[1,2]"), "plan.json", "not a JSON object");
        assertMessage(parseFails("{\"inputs\":[]}"), "plan.json", "top level", "missing field 'invocations'");
        assertMessage(parseFails("{\"invocations\":{},\"inputs\":[]}"), "'invocations' is not an array");
        assertMessage(parseFails("{\"invocations\":[7],\"inputs\":[]}"), "invocation 0", "not a JSON object");
    }

    @ParameterizedTest
    @CsvSource({"package_name", "target_kind", "kind", "compile_mode", "deps", "outputs", "links", "program", "args",
            "env", "cwd"})
    void rejectsAMissingField(String field) throws IOException {
        String json = mutated("hello/build-plan.json", r -> inv(r, 3).remove(field));
        assertMessage(parseFails(json), "plan.json", "invocation 3", "missing field '" + field + "'");
    }

    @Test
    void rejectsMistypedFields() throws IOException {
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> inv(r, 2).put("package_version", 2))),
                "invocation 2", "'package_version' is not a string");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> inv(r, 2).putArray("target_kind"))),
                "invocation 2", "empty target_kind");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> ((ArrayNode) inv(r, 2).get("args")).add(1))),
                "invocation 2", "'args'[");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> ((ObjectNode) inv(r, 2).get("env"))
                .put("X", true))), "invocation 2", "'env' entry 'X' is not a string");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> inv(r, 2).put("kind", 64))),
                "invocation 2", "'kind' is neither a string nor null");
    }

    @Test
    void rejectsDanglingDeps() throws IOException {
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> ((ArrayNode) inv(r, 4).get("deps")).add(9))),
                "plan.json", "invocation 4", "deps[2] = 9", "one of the 5 invocations");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> ((ArrayNode) inv(r, 4).get("deps")).add(-1))),
                "invocation 4", "deps[2] = -1");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> ((ArrayNode) inv(r, 4).get("deps")).add(4))),
                "invocation 4", "names the invocation itself");
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> ((ArrayNode) inv(r, 4).get("deps")).add("1"))),
                "invocation 4", "is not an invocation index");
    }

    @Test
    void rejectsUnknownCompileMode() throws IOException {
        assertMessage(parseFails(mutated("hello/build-plan.json", r -> inv(r, 1).put("compile_mode", "frobnicate"))),
                "plan.json", "invocation 1", "unknown compile_mode 'frobnicate'", "run-custom-build");
    }

    @Test
    void rejectsAPackageMissingFromMetadata() throws IOException {
        assertMessage(convertFails(mutated("hello/build-plan.json", r -> inv(r, 3).put("package_version", "9.9.9"))),
                "plan.json", "invocation 3", "greet-macros 9.9.9 is not in the workspace's cargo metadata");
    }

    @Test
    void rejectsATargetMissingFromMetadata() throws IOException {
        String json = mutated("hello/build-plan.json", r -> {
            ArrayNode args = (ArrayNode) inv(r, 4).get("args");
            args.set(1, "hullo");
        });
        assertMessage(convertFails(json), "invocation 4", "no target of kind [bin] named hullo");
    }

    @Test
    void rejectsASourceFileMetadataDoesNotName() throws IOException {
        String json = mutated("hello/build-plan.json", r -> {
            ArrayNode args = (ArrayNode) inv(r, 4).get("args");
            args.set(3, "hello/src/other.rs");
        });
        assertMessage(convertFails(json), "invocation 4", "rustc compiles src/other.rs", "src/main.rs");
    }

    @Test
    void rejectsAnExternNoDependencyProduces() throws IOException {
        String json = mutated("hello/build-plan.json", r -> {
            ArrayNode deps = (ArrayNode) inv(r, 4).get("deps");
            deps.remove(0);
        });
        assertMessage(convertFails(json), "invocation 4", "--extern greet=", "not an output of any invocation");
    }

    @Test
    void rejectsARunWithoutItsScript() throws IOException {
        assertMessage(convertFails(mutated("hello/build-plan.json", r -> ((ArrayNode) inv(r, 1).get("deps"))
                .removeAll())), "invocation 1", "depends on no compile of greet's build script");
    }

    @Test
    void rejectsAnOutputDirOutsideAProfileDir() throws IOException {
        String json = mutated("hello/build-plan.json", r -> {
            ArrayNode args = (ArrayNode) inv(r, 3).get("args");
            for (int k = 0; k < args.size(); k++) {
                if (args.get(k).asString().equals("--out-dir")) {
                    args.set(k + 1, "/somewhere");
                }
            }
        });
        assertMessage(convertFails(json), "invocation 3", "--out-dir /somewhere is not inside a cargo profile");
    }

    @Test
    void rejectsAPlanWithoutRequestedUnits() throws IOException {
        String json = mutated("hello/build-plan.json", r -> {
            for (var v : r.get("invocations")) {
                ((ObjectNode) v.get("env")).put("CARGO_PRIMARY_PACKAGE", "0");
            }
        });
        assertMessage(convertFails(json), "plan.json", "no invocation is a requested unit");
    }
}
