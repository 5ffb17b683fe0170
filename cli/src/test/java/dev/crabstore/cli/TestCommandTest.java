package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** crabstore test on the example workspace (a lib, a proc-macro, a bin with an integration test), real tools. */
class TestCommandTest {
    @TempDir
    Path dir;

    Path ws;

    @BeforeEach
    void copyWorkspace() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
    }

    Map<String, String> env() {
        return CliRun.envWithHome(dir.resolve("home"));
    }

    CliRun test(String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of("test", "--dir", ws.toString(), "--offline"));
        args.addAll(List.of(flags));
        return CliRun.run(new byte[0], env(), args.toArray(String[]::new));
    }

    /** The harness of each {@code Running} line, with whether its {@code test result:} line says (cached). */
    static Map<String, Boolean> cachedByHarness(CliRun r) {
        // stderr has the Running lines, stdout the results, in the same order
        List<String> harnesses = Pattern.compile("Running (\\S+ ?\\S*) \\(").matcher(r.stderr()).results()
                .map(m -> m.group(1)).toList();
        List<Boolean> cached = Pattern.compile("(?m)^test result: .*$").matcher(r.out()).results()
                .map(m -> m.group().endsWith("(cached)")).toList();
        assertEquals(harnesses.size(), cached.size(), r.stderr() + r.out());
        Map<String, Boolean> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < harnesses.size(); i++) {
            out.put(harnesses.get(i) + "#" + i, cached.get(i));
        }
        return out;
    }

    static long count(String text, String what) {
        return Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }

    @Test
    void runsEveryHarnessThenShowsTheirReportsCachedAndRerunsOnlyWhatAnEditChanged() throws Exception {
        CliRun first = test().assertOk();
        assertTrue(first.stderr().contains("Running unittests src/lib.rs"), first.stderr());
        assertTrue(first.stderr().contains("Running unittests src/main.rs"), first.stderr());
        assertTrue(first.stderr().contains("Running tests/cli.rs"), first.stderr());
        // the integration test runs the bin through env!("CARGO_BIN_EXE_hello"), a store path
        assertTrue(first.out().contains("test prints_a_greeting ... ok"), first.out());
        assertTrue(first.out().contains("test tests::greets ... ok"), first.out());
        assertFalse(first.out().contains("(cached)"), first.out());
        assertTrue(first.stderr().contains("Summary 4 test harnesses: 4 passed, 0 failed; tests: 2 passed, 0 failed"),
                first.stderr());

        CliRun replayed = test().assertOk(); // unchanged: the fast path replays the run, every report cached
        assertEquals(4, count(replayed.out(), "(cached)"), replayed.out());
        assertTrue(replayed.stderr().contains("4 passed (4 cached)"), replayed.stderr());
        CliRun planned = test("-j", "1").assertOk(); // another command line: planned again, nothing runs
        assertEquals(4, count(planned.out(), "(cached)"), planned.out());
        assertTrue(planned.stderr().contains("4 passed (4 cached)") && planned.stderr().contains("0 built"),
                planned.stderr());
        assertTrue(planned.out().contains("test prints_a_greeting ... ok"), "a cached report is shown in full");

        // --timings: the test runs are rows of the report (cached here: fresh, without times)
        test("--timings=json").assertOk();
        var report = tools.jackson.databind.json.JsonMapper.builder().build().readTree(
                Files.readString(ws.resolve("target/crabstore-timings/crabstore-timing.json")));
        List<String> runs = new java.util.ArrayList<>();
        report.get("units").forEach(u -> {
            if (u.get("kind").asString().equals("test-run")) {
                runs.add(u.get("name").asString() + " " + u.get("status").asString());
            }
        });
        assertEquals(List.of("greet fresh", "greet-macros fresh", "hello fresh", "hello/cli fresh"), runs);

        CliRun rerun = test("--rerun").assertOk();
        assertEquals(0, count(rerun.out(), "(cached)"), rerun.out());

        // The bin changes: its unit tests and the integration test run again, the lib's and the macros' do not.
        Path main = ws.resolve("hello/src/main.rs");
        Files.writeString(main, Files.readString(main).replace("built for", "made for"));
        CliRun edited = test().assertOk();
        assertEquals(List.of(true, true, false, false), List.copyOf(cachedByHarness(edited).values()),
                edited.stderr() + edited.out());

        // Test arguments are libtest's and part of the run: a filter is another run.
        CliRun filtered = test("--", "greets").assertOk();
        assertTrue(filtered.out().contains("1 filtered out"), filtered.out());
        assertEquals(0, count(filtered.out(), "(cached)"), filtered.out());

        // gc keeps the last test's reports (GC roots) but collects what only compiling the harnesses needed (the
        // proc-macro): the harnesses, linked in target/, run again without it (a run used to need every input of its
        // compilation).
        CliRun.run(new byte[0], env(), "gc").assertOk();
        CliRun afterGc = test("-j", "2").assertOk();
        assertEquals(4, count(afterGc.out(), "(cached)"), afterGc.out());
        CliRun rerunAfterGc = test("--rerun", "-j", "2").assertOk();
        assertEquals(0, count(rerunAfterGc.out(), "(cached)"), rerunAfterGc.out());
        assertTrue(rerunAfterGc.stderr().contains("0 built"), rerunAfterGc.stderr());

        // build --tests compiles the integration test too (it failed on env!("CARGO_BIN_EXE_hello"))
        CliRun.run(new byte[0], env(), "build", "--tests", "--dir", ws.toString(), "--offline").assertOk();
        try (var files = Files.list(ws.resolve("target/debug/deps"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("cli-")), "the harness is linked");
        }
    }

    /**
     * The last test's reports are GC roots, as the last build's derivations are: gc used to delete them, and the next
     * unchanged {@code crabstore test} ran every harness again. Deleting the workspace frees them.
     */
    @Test
    void theLastTestsReportsSurviveGcUntilTheWorkspaceIsDeleted() throws Exception {
        test().assertOk();
        CliRun.run(new byte[0], env(), "gc").assertOk();
        CliRun again = test("-j", "1").assertOk(); // another command line: planned, not replayed from the fingerprint
        assertEquals(4, count(again.out(), "(cached)"), again.out());
        assertTrue(again.stderr().contains("4 passed (4 cached)"), again.stderr());

        List<String> roots = CliRun.run(new byte[0], env(), "store", "roots").assertOk().out().lines()
                .filter(l -> l.contains("/var/last-tests/")).map(l -> l.substring(l.indexOf(" -> ") + 4)).toList();
        // The runs' .drv files are roots too: under keep-outputs they keep the harnesses' build closures.
        assertEquals(4, roots.stream().filter(r -> r.endsWith(".drv")).count(), "one root per run derivation");
        List<String> reports = roots.stream().filter(r -> !r.endsWith(".drv")).toList();
        assertEquals(4, reports.size(), "one root per report");
        BuildCommandTest.deleteTree(ws);
        String gc = CliRun.run(new byte[0], env(), "gc").assertOk().out();
        for (String report : roots) {
            assertTrue(gc.contains("deleted " + report), report + " outlived its workspace: " + gc);
        }
    }

    /** Adds a unit test of greet that fails ("arithmetic is broken"): the lib's harness fails, the others pass. */
    static Path withAFailingTest(Path ws) throws Exception {
        Path lib = ws.resolve("greet/src/lib.rs");
        Files.writeString(lib, Files.readString(lib) + """

                #[cfg(test)]
                mod failing {
                    #[test]
                    fn fails() {
                        assert_eq!(1 + 1, 3, "arithmetic is broken");
                    }
                }
                """);
        return ws;
    }

    @Test
    void aFailingTestFailsTheCommandWithLibtestsOutputAndIsNeverCached() throws Exception {
        withAFailingTest(ws);
        for (int round = 0; round < 2; round++) {
            CliRun r = test("--no-fail-fast");
            assertEquals(ExitCodes.FAILURE, r.exitCode(), r.stderr());
            assertTrue(r.out().contains("arithmetic is broken"), r.out());
            Matcher m = Pattern.compile("(?m)^test result: FAILED\\. 1 passed; 1 failed.*$").matcher(r.out());
            assertTrue(m.find(), r.out());
            assertFalse(m.group().contains("(cached)"), "a failure is never a cached result: " + m.group());
            assertTrue(r.stderr().contains("to rerun pass `-p greet --lib`"), r.stderr());
            assertTrue(r.stderr().contains("1 test harness failed: greet (lib test)"), r.stderr());
            assertTrue(r.stderr().contains("3 passed"), "--no-fail-fast runs the others: " + r.stderr());
        }
    }

    /**
     * A {@code harness = false} test is its own program, as under cargo: compiled with {@code --cfg test}, not
     * libtest's {@code --test} (which replaced its main: it printed "running 0 tests" and passed whatever main did).
     */
    /**
     * A test that finds its fixtures through {@code env!("CARGO_MANIFEST_DIR")} holds the package's place in the
     * sandbox (/build/ws/...): it runs there, and that is no path leak to warn about (a binary's would be).
     */
    @Test
    void aTestReadingItsFixturesFromCargoManifestDirPassesWithoutAPathWarning() throws Exception {
        Files.createDirectories(ws.resolve("greet/tests/data"));
        Files.writeString(ws.resolve("greet/tests/data/expected.txt"), "fixture\n");
        Files.writeString(ws.resolve("greet/tests/fixtures.rs"), """
                #[test]
                fn reads_its_fixture() {
                    let dir = env!("CARGO_MANIFEST_DIR");
                    let text = std::fs::read_to_string(format!("{dir}/tests/data/expected.txt")).unwrap();
                    assert_eq!(text, "fixture\\n");
                }
                """);
        CliRun ok = test("--test", "fixtures").assertOk();
        assertTrue(ok.out().contains("test reads_its_fixture ... ok"), ok.out() + ok.stderr());
        assertFalse(ok.stderr().contains("absolute paths"), ok.stderr());
    }

    @Test
    void aTestWithoutHarnessRunsItsOwnMain() throws Exception {
        Path manifest = ws.resolve("greet/Cargo.toml");
        Files.writeString(manifest, Files.readString(manifest) + "\n[[test]]\nname = \"custom\"\nharness = false\n");
        Files.createDirectories(ws.resolve("greet/tests"));
        Files.writeString(ws.resolve("greet/tests/custom.rs"), """
                fn main() {
                    println!("custom main ran, cfg(test) = {}", cfg!(test));
                    if std::env::args().any(|a| a == "fail") {
                        std::process::exit(3);
                    }
                }
                """);
        CliRun ok = test("--test", "custom").assertOk();
        assertTrue(ok.out().contains("custom main ran, cfg(test) = true"), ok.out() + ok.stderr());
        assertFalse(ok.out().contains("running 0 tests"), ok.out());
        CliRun failed = test("--test", "custom", "--", "fail");
        assertEquals(ExitCodes.FAILURE, failed.exitCode(), failed.stderr());
        assertTrue(failed.stderr().contains("test failed (exit code 3)"), failed.stderr());
    }

    @Test
    void badInputIsRefusedBeforeAnythingRuns() {
        CliRun r = CliRun.run(new byte[0], env(), "test", "--dir", dir.resolve("nowhere").toString());
        assertEquals(ExitCodes.BAD_INPUT, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(dir.resolve("nowhere") + ": no such directory"), r.stderr());
        CliRun plan = CliRun.run(new byte[0], env(), "test", "--dir", ws.toString(), "--build-plan", "x.json");
        assertEquals(ExitCodes.BAD_INPUT, plan.exitCode(), plan.stderr());
        assertTrue(plan.stderr().contains("--build-plan is for build"), plan.stderr());
    }
}
