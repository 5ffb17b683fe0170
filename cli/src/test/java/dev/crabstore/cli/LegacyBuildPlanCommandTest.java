package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code plan --build-plan} and {@code build --build-plan} with the legacy build plans cargo 1.65 recorded for the
 * example workspace and the small corpus workspace (planner's {@code resources/buildplan}), in a copy of the
 * workspace at another path than the recording's.
 */
class LegacyBuildPlanCommandTest {
    @TempDir
    Path dir;

    private static Path fixture(String ws, String file) {
        return Corpus.repoRoot().resolve("planner/src/test/resources/buildplan").resolve(ws).resolve(file);
    }

    private Map<String, String> env() {
        return CliRun.envWithHome(dir.resolve("home"));
    }

    private Path hello() throws Exception {
        Path ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        return ws;
    }

    /** Unit key (package, target, mode) → drv path, of {@code plan --format json} output. */
    private static Map<String, String> units(CliRun r) {
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        Map<String, String> m = new TreeMap<>();
        for (JsonNode u : root.get("units")) {
            m.put(u.get("package").asString() + " " + u.get("target").asString() + " " + u.get("mode").asString()
                    + " " + u.get("kind").get(0).asString(), u.get("drvPath").asString());
        }
        return m;
    }

    private static Set<String> rootPackages(CliRun r) {
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        Set<String> s = new TreeSet<>();
        root.get("roots").forEach(i -> s.add(root.get("units").get(i.asInt()).get("package").asString()));
        return s;
    }

    @Test
    void planTakesTheUnitsFromTheBuildPlanAndOnlyMetadataFromCargo() throws Exception {
        Tools.require("cargo");
        Path ws = hello();
        Path calls = dir.resolve("cargo-calls");
        Path cargo = Files.writeString(dir.resolve("cargo-logging"), "#!/bin/sh\necho \"$*\" >> " + calls
                + "\nexec cargo \"$@\"\n");
        cargo.toFile().setExecutable(true);
        Map<String, String> env = env();
        env.put("CARGO", cargo.toString());
        CliRun legacy = CliRun.run(new byte[0], env, "plan", "--dir", ws.toString(), "--offline", "--build-plan",
                fixture("hello", "build-plan.json").toString(), "--format", "json").assertOk();
        assertEquals(List.of("metadata --format-version 1 --offline"), Files.readAllLines(calls));
        assertTrue(legacy.stderr().contains("planned 5 units"), legacy.stderr());

        CliRun current = CliRun.run(new byte[0], env, "plan", "--dir", ws.toString(), "--offline", "--format", "json")
                .assertOk();
        Map<String, String> l = units(legacy);
        Map<String, String> c = units(current);
        assertEquals(c.keySet(), l.keySet());
        assertEquals(Set.of("greet", "greet-macros", "hello"), rootPackages(legacy));
        assertEquals(rootPackages(current), rootPackages(legacy));
        // greet-macros is the same unit in both plans, so the same derivation. greet's build script is compiled
        // with debuginfo 2 by cargo 1.65 and 0 by cargo >= 1.69 (see LegacyBuildPlanTest), so it and everything
        // after it differ.
        String macros = "greet-macros greet_macros build proc-macro";
        assertEquals(c.get(macros), l.get(macros));
        assertNotEquals(c.get("greet build-script-build build custom-build"),
                l.get("greet build-script-build build custom-build"));

        // Not cached: a second plan from the unit graph is not taken for the build plan's, nor the other way.
        CliRun again = CliRun.run(new byte[0], env, "plan", "--dir", ws.toString(), "--offline", "--build-plan",
                fixture("hello", "build-plan.json").toString(), "--format", "json").assertOk();
        assertEquals(l, units(again));
    }

    @Test
    void theTestsPlanHasTheTestUnits() throws Exception {
        Tools.require("cargo");
        Path ws = hello();
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--build-plan",
                fixture("hello", "build-plan-tests.json").toString()).assertOk();
        assertTrue(r.out().contains(" hello 1.0.0 test/test cli "), r.out());
        assertEquals(9, r.out().lines().filter(x -> x.strip().startsWith("-> /crabstore/store/")).count());
    }

    @Test
    void selectionFlagsAreRefusedWithABuildPlan() throws Exception {
        String plan = fixture("hello", "build-plan.json").toString();
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--build-plan", plan, "--release", "-p", "greet");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--package, --release cannot be combined with --build-plan"), r.stderr());
        CliRun b = CliRun.run(new byte[0], env(), "build", "--build-plan", plan, "--tests");
        assertEquals(2, b.exitCode(), b.stderr());
    }

    @Test
    void aBadBuildPlanIsReportedWithItsFile() throws Exception {
        Tools.require("cargo");
        Path ws = hello();
        Path bad = Files.writeString(dir.resolve("plan.json"), "{\"invocations\":[{\"package_name\":\"greet\"}],"
                + "\"inputs\":[]}");
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--build-plan",
                bad.toString());
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: " + bad + ": invocation 0: missing field 'package_version'"),
                r.stderr());
        CliRun missing = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--build-plan",
                dir.resolve("nope.json").toString());
        assertEquals(1, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("cannot read the build plan " + dir.resolve("nope.json")),
                missing.stderr());
        // A plan of another workspace: its packages are not in this one's metadata.
        Path small = fixture("small", "build-plan.json");
        CliRun other = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--build-plan",
                small.toString());
        assertEquals(2, other.exitCode(), other.stderr());
        assertTrue(other.stderr().contains(small + ": invocation 0 (anyhow 1.0.69 custom-build build): package "
                + "anyhow 1.0.69 is not in the workspace's cargo metadata"), other.stderr());
    }

    @Test
    void buildsTheExampleFromItsLegacyPlan() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = hello();
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--build-plan",
                fixture("hello", "build-plan.json").toString()).assertOk();
        assertTrue(r.stderr().contains("Finished `dev` profile"), r.stderr());
        assertTrue(r.stderr().contains("5 built, 0 fresh"), r.stderr());
        assertEquals("HELLO, CRAB\nHello from Crab!\nbuilt for x86_64-unknown-linux-gnu\n",
                BuildCommandTest.run(ws.resolve("target/debug/hello"), "crab"));
        assertTrue(Files.exists(ws.resolve("target/debug/libgreet.rlib")));
        CliRun again = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--build-plan",
                fixture("hello", "build-plan.json").toString()).assertOk();
        assertTrue(again.stderr().contains("0 built"), again.stderr());
    }

    @Test
    @Tag("slow")
    void buildsTheSmallCorpusWorkspaceFromItsLegacyReleasePlan() throws Exception {
        Tools.require("bwrap");
        Path ws = dir.resolve("small");
        BuildCommandTest.copyTree(Corpus.workspace("small"), ws);
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--locked",
                "--build-plan", fixture("small", "build-plan-release.json").toString()).assertOk();
        assertTrue(r.stderr().contains("Finished `release` profile"), r.stderr());
        // 35 units, and the 20 registry crates fetched and unpacked
        assertTrue(r.stderr().contains("75 built, 0 fresh"), r.stderr());
        Path exe = ws.resolve("target/release/minigrep");
        assertTrue(BuildCommandTest.run(exe, "--version").startsWith("minigrep 0.1.0"));
        Path input = Files.writeString(dir.resolve("in.txt"), "hello world\nfoo\nHello crab\n");
        assertEquals("hello world\nHello crab\n", BuildCommandTest.run(exe, "-i", "hello", input.toString()));
        assertFalse(Files.exists(ws.resolve("target/debug")));
    }
}
