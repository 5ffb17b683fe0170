package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test runs through a shared binary cache, as CI machines share a remote cache: machine A (its own
 * {@code CRABSTORE_HOME}) runs {@code crabstore test --push file://cache --sign KEY}; machine B (a fresh store, another
 * checkout of the same sources) runs {@code crabstore test} with that cache as its substituter. The example workspace
 * gets a {@code harness = false} test that prints a nonce (the time in nanoseconds) on every run, so B's output shows
 * whether B ran the harness (a nonce of its own) or shows A's report (A's nonce).
 */
class TestRunSubstitutionTest {
    static final Pattern NONCE = Pattern.compile("nonce (\\d+)");
    /** The StorePath line of a test run's report ({@code greet-0.2.0-test-greet-run}), not a build script's run. */
    static final Pattern REPORT = Pattern.compile("(?m)^StorePath: \\S+-test-\\S+-run$");

    @TempDir
    static Path shared;
    static SecretKey key;
    static String cache;
    static String unsignedCache;
    /** The nonce of A's run: in every report A pushed. */
    static String nonceOfA;

    @TempDir
    Path dir;

    @BeforeAll
    static void machineATestsAndPushes() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        key = SecretKey.generate("crab-ci-1", new SecureRandom());
        Path keyFile = Files.writeString(shared.resolve("key.sec"), key.toString());
        cache = "file://" + shared.resolve("cache");
        unsignedCache = "file://" + shared.resolve("unsigned-cache");
        Path a = checkout(shared.resolve("a"));
        Map<String, String> envA = env(shared.resolve("home-a"), shared.resolve("config-a"));
        CliRun r = CliRun.run(new byte[0], envA, "test", "--dir", a.toString(), "--offline", "--push", cache, "--sign",
                keyFile.toString()).assertOk();
        assertTrue(r.stderr().contains("Summary 5 test harnesses: 5 passed, 0 failed"), r.stderr());
        assertTrue(r.stderr().matches("(?s).*Pushed [1-9][0-9]* paths to " + Pattern.quote(cache) + "\n.*"),
                r.stderr());
        nonceOfA = nonce(r);
        // the same command again: not replayed from a no-op fingerprint (the cache may have changed), it asks the cache
        CliRun again = CliRun.run(new byte[0], envA, "test", "--dir", a.toString(), "--offline", "--push", cache,
                "--sign", keyFile.toString()).assertOk();
        assertTrue(again.stderr().contains("5 passed (5 cached)") && again.stderr().contains("Pushed 0 paths to "
                + cache + "\n"), again.stderr());
        // the same runs, unsigned (no --sign, no secret-key-files): cached on A, only the push happens
        CliRun unsigned = CliRun.run(new byte[0], envA, "test", "--dir", a.toString(), "--offline", "--push",
                unsignedCache).assertOk();
        assertTrue(unsigned.stderr().contains("5 passed (5 cached)"), unsigned.stderr());
        assertTrue(unsigned.stderr().contains("paths to " + unsignedCache + " (unsigned)"), unsigned.stderr());
        assertEquals(nonceOfA, nonce(unsigned));
        // --no-run --push: the harnesses, no report
        Path harnessesOnly = shared.resolve("harnesses-only");
        CliRun.run(new byte[0], envA, "test", "--dir", a.toString(), "--offline", "--no-run", "--push",
                "file://" + harnessesOnly, "--sign", keyFile.toString()).assertOk();
        assertTrue(narinfos(harnessesOnly).stream().anyMatch(n -> n.contains("-greet-0.2.0-test-nonce\n")));
        assertTrue(narinfos(harnessesOnly).stream().noneMatch(n -> REPORT.matcher(n).find()), "no report pushed");
        assertTrue(narinfos(shared.resolve("cache")).stream().anyMatch(n -> n.contains("-test-nonce-run\n")));
    }

    static List<String> narinfos(Path cacheDir) throws Exception {
        try (var files = Files.list(cacheDir)) {
            List<String> out = new ArrayList<>();
            for (Path f : files.filter(f -> f.toString().endsWith(".narinfo")).toList()) {
                out.add(Files.readString(f));
            }
            return out;
        }
    }

    /** The example workspace plus {@code greet/tests/nonce.rs}, a test with its own main that prints a nonce. */
    static Path checkout(Path ws) throws Exception {
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Path manifest = ws.resolve("greet/Cargo.toml");
        Files.writeString(manifest, Files.readString(manifest) + "\n[[test]]\nname = \"nonce\"\nharness = false\n");
        Files.createDirectories(ws.resolve("greet/tests"));
        Files.writeString(ws.resolve("greet/tests/nonce.rs"), """
                fn main() {
                    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
                    println!("nonce {}", t.as_nanos());
                }
                """);
        return ws;
    }

    /** A machine of its own: its store, no configured caches or keys (a push without --sign is unsigned). */
    static Map<String, String> env(Path home, Path config) {
        Map<String, String> env = SubstitutionSecurityTest.baseEnv(home, config);
        env.remove("CRABSTORE_SECRET_KEY_FILES");
        return env;
    }

    static String nonce(CliRun r) {
        Matcher m = NONCE.matcher(r.out());
        assertTrue(m.find(), "the nonce test's output: " + r.out() + r.stderr());
        return m.group(1);
    }

    /** Machine B: a fresh store and checkout, the cache as its substituter and {@code trusted} as its key. */
    Map<String, String> machineB(String url, String trusted) {
        Map<String, String> env = env(dir.resolve("home-b"), dir.resolve("config-b"));
        env.put("CRABSTORE_SUBSTITUTERS", url);
        env.put("CRABSTORE_TRUSTED_PUBLIC_KEYS", trusted);
        return env;
    }

    CliRun testOnB(Map<String, String> env, String... flags) throws Exception {
        Path b = dir.resolve("b");
        if (!Files.exists(b)) {
            checkout(b);
        }
        List<String> args = new ArrayList<>(List.of("test", "--dir", b.toString(), "--offline"));
        args.addAll(List.of(flags));
        return CliRun.run(new byte[0], env, args.toArray(String[]::new)).assertOk();
    }

    static long count(String text, String what) {
        return TestCommandTest.count(text, what);
    }

    @Test
    void withTheOptInBShowsTheReportsAPushedAndRunsNoHarness() throws Exception {
        Map<String, String> env = machineB(cache, key.toPublicKey().toString());
        CliRun r = testOnB(env, "--substitute-test-runs");
        String mark = "(cached, substituted from " + cache + ")";
        // A's nonce: B shows A's report; no harness ran here (it would have printed a nonce of its own)
        assertEquals(nonceOfA, nonce(r), r.out());
        assertEquals(4, count(r.out(), "test result: ok."), r.out());
        assertEquals(4, count(r.out(), " " + mark + "\n"), "each libtest result marked: " + r.out());
        assertTrue(r.stderr().contains("Running tests/nonce.rs") && r.stderr().contains("     " + mark + "\n"),
                "the harness without libtest is marked below its output: " + r.stderr());
        assertTrue(r.stderr().contains("Summary 5 test harnesses: 5 passed (5 cached, 5 of them substituted), 0 "
                + "failed; tests: 2 passed"), r.stderr());
        // the harnesses were fetched with the units A pushed: nothing compiled here
        assertFalse(r.stderr().contains("Compiling"), r.stderr());
        assertTrue(r.stderr().matches("(?s).*Finished `test` profile in [0-9.]+s: 0 built, \\d+ substituted .*"),
                r.stderr());
        // the store records where each report came from
        List<String> reports = CliRun.run(new byte[0], env, "store", "roots").assertOk().out().lines()
                .filter(l -> l.contains("/var/last-tests/")).map(l -> l.substring(l.indexOf(" -> ") + 4))
                .filter(p -> !p.endsWith(".drv")).toList(); // the run .drv files are roots too (their build closures)
        assertEquals(5, reports.size(), "one root per report");
        for (String report : reports) {
            String info = CliRun.run(new byte[0], env, "store", "path-info", "--json", report).assertOk().out();
            assertTrue(info.contains("\"how\":\"substituted\"") && info.contains("\"from\":\"" + cache + "\""), info);
        }

        // Later commands reuse the reports, still marked: planned again (another command line), then the same
        // command line again, replayed from its no-op fingerprint.
        CliRun again = testOnB(env, "--substitute-test-runs", "-j", "1");
        assertEquals(4, count(again.out(), " " + mark + "\n"), again.out());
        assertTrue(again.stderr().contains("5 passed (5 cached, 5 of them substituted)"), again.stderr());
        CliRun replayed = testOnB(env, "--substitute-test-runs", "-j", "1");
        assertEquals(again.out(), replayed.out());
        assertTrue(replayed.stderr().contains("5 passed (5 cached, 5 of them substituted)"), replayed.stderr());
        assertEquals(nonceOfA, nonce(replayed));

        // --rerun runs every harness here, whatever the caches hold
        CliRun rerun = testOnB(env, "--substitute-test-runs", "--rerun");
        assertNotEquals(nonceOfA, nonce(rerun), "the harness ran on B");
        assertEquals(0, count(rerun.out(), "(cached"), rerun.out());
        assertTrue(rerun.stderr().contains("Summary 5 test harnesses: 5 passed, 0 failed"), rerun.stderr());
    }

    /**
     * Without the flag, the harnesses run even though a trusted cache holds their reports: before the flag, the test
     * realiser substituted a run whose report a cache held (after {@code copy --to --all}, say), unmarked.
     */
    @Test
    void withoutTheOptInBRunsEveryHarness() throws Exception {
        CliRun r = testOnB(machineB(cache, key.toPublicKey().toString()));
        assertNotEquals(nonceOfA, nonce(r), "the harness ran on B");
        assertEquals(0, count(r.out(), "(cached"), r.out());
        assertTrue(r.stderr().contains("Summary 5 test harnesses: 5 passed, 0 failed"), r.stderr());
        // only the runs: the compiled harnesses still came from the cache
        assertFalse(r.stderr().contains("Compiling"), r.stderr());
    }

    /**
     * Only {@code test --substitute-test-runs} fetches a report: {@code realise} of a run's .drv, with the same trusted
     * cache configured, runs the harness (it fetched A's report before).
     */
    @Test
    void realiseRunsATestRunItDoesNotFetchIt() throws Exception {
        Map<String, String> env = machineB(cache, key.toPublicKey().toString());
        testOnB(env); // the run .drv files are now in B's store, the reports B's own
        Path store = dir.resolve("home-b/store");
        String drv;
        try (var files = Files.list(store)) {
            drv = "/crabstore/store/" + files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith("-test-nonce-run.drv")).findFirst().orElseThrow();
        }
        CliRun.run(new byte[0], env, "store", "add-root", dir.resolve("keep-drv").toString(), drv).assertOk();
        BuildCommandTest.deleteTree(dir.resolve("b"));
        CliRun.run(new byte[0], env, "gc", "--no-keep-outputs").assertOk(); // B's report goes, the .drv stays
        CliRun r = CliRun.run(new byte[0], env, "realise", drv).assertOk();
        assertFalse(r.stderr().contains("copying outputs of '" + drv + "'"), r.stderr());
        Path report = store.resolve(r.out().strip().substring("/crabstore/store/".length()));
        String shown = Files.readString(report.resolve("stdout"));
        Matcher m = NONCE.matcher(shown);
        assertTrue(m.find(), shown);
        assertNotEquals(nonceOfA, m.group(1), "realise ran the harness");
    }

    /**
     * A report B fetched is not pushed again under B's key: B never ran those tests.
     */
    @Test
    void aFetchedReportIsNotSignedAgainByAPush() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("b.sec"), SecretKey.generate("b-1", new SecureRandom()).toString());
        String again = "file://" + dir.resolve("b-cache");
        testOnB(machineB(cache, key.toPublicKey().toString()), "--substitute-test-runs", "--push", again, "--sign",
                keyFile.toString());
        assertTrue(narinfos(dir.resolve("b-cache")).stream().noneMatch(n -> REPORT.matcher(n).find()),
                "no report pushed by B");
        assertTrue(narinfos(dir.resolve("b-cache")).stream().anyMatch(n -> n.contains("-greet-0.2.0-test-nonce\n")),
                "the harnesses were");
    }

    @Test
    void anUntrustedOrUnsignedReportIsNotUsedAndTheHarnessesRun() throws Exception {
        String otherKey = SecretKey.generate("other-1", new SecureRandom()).toPublicKey().toString();
        CliRun untrusted = testOnB(machineB(cache, otherKey), "--substitute-test-runs");
        assertNotEquals(nonceOfA, nonce(untrusted), "the harness ran on B");
        assertEquals(0, count(untrusted.out(), "(cached"), untrusted.out());
        assertTrue(untrusted.stderr().contains("not signed by a trusted key"), untrusted.stderr());
        assertTrue(untrusted.stderr().contains("Summary 5 test harnesses: 5 passed, 0 failed"), untrusted.stderr());

        BuildCommandTest.deleteTree(dir.resolve("home-b")); // a fresh store again
        CliRun unsigned = testOnB(machineB(unsignedCache, key.toPublicKey().toString()), "--substitute-test-runs");
        assertNotEquals(nonceOfA, nonce(unsigned), "the harness ran on B");
        assertEquals(0, count(unsigned.out(), "(cached"), unsigned.out());
        assertTrue(unsigned.stderr().contains("Summary 5 test harnesses: 5 passed, 0 failed"), unsigned.stderr());
    }

    /**
     * A failed run is never pushed (it registers nothing), but the runs that passed beside it are, so another machine
     * runs only the failing harness.
     */
    @Test
    void thePassingRunsOfAFailedTestArePushedAndTheFailureIsNot() throws Exception {
        String failingCache = "file://" + dir.resolve("failing-cache");
        Path keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        Path a = TestCommandTest.withAFailingTest(checkout(dir.resolve("a")));
        CliRun onA = CliRun.run(new byte[0], env(dir.resolve("home-a"), dir.resolve("config-a")), "test", "--dir",
                a.toString(), "--offline", "--no-fail-fast", "--push", failingCache, "--sign", keyFile.toString());
        assertEquals(ExitCodes.FAILURE, onA.exitCode(), onA.stderr());
        assertTrue(onA.stderr().contains("4 passed, 1 failed") && onA.stderr().contains("Pushed "), onA.stderr());
        List<String> pushed = narinfos(dir.resolve("failing-cache"));
        assertEquals(4, pushed.stream().filter(n -> REPORT.matcher(n).find()).count(), "the 4 passing reports");
        assertTrue(pushed.stream().noneMatch(n -> n.contains("-test-greet-run\n")), "the failed run has no report");

        Path b = TestCommandTest.withAFailingTest(checkout(dir.resolve("b")));
        CliRun onB = CliRun.run(new byte[0], machineB(failingCache, key.toPublicKey().toString()), "test", "--dir",
                b.toString(), "--offline", "--no-fail-fast", "--substitute-test-runs");
        assertEquals(ExitCodes.FAILURE, onB.exitCode(), onB.stderr());
        assertEquals(nonce(onA), nonce(onB), "the passing runs were substituted");
        assertTrue(onB.stderr().contains("4 passed (4 cached, 4 of them substituted), 1 failed"), onB.stderr());
        Matcher failed = Pattern.compile("(?m)^test result: FAILED\\..*$").matcher(onB.out());
        assertTrue(failed.find() && !failed.group().contains("(cached"), "the failing harness ran on B: " + onB.out());
    }

    /** A push that fails after a harness failed is a warning: the failed test stays what the command reports. */
    @Test
    void aFailedPushDoesNotHideAFailedTest() throws Exception {
        Path a = TestCommandTest.withAFailingTest(checkout(dir.resolve("a")));
        CliRun r = CliRun.run(new byte[0], env(dir.resolve("home-a"), dir.resolve("config-a")), "test", "--dir",
                a.toString(), "--offline", "--no-fail-fast", "--push", "http://127.0.0.1:1/cache");
        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("warning: the push failed: "), r.stderr());
        assertTrue(r.stderr().contains("error: 1 test harness failed: "), r.stderr());
    }

    @Test
    void contradictoryFlagsAreRefusedBeforeAnythingRuns() throws Exception {
        Map<String, String> env = machineB(cache, key.toPublicKey().toString());
        Path b = checkout(dir.resolve("b"));
        CliRun noCaches = CliRun.run(new byte[0], env, "test", "--dir", b.toString(), "--substitute-test-runs",
                "--no-substitute");
        assertEquals(ExitCodes.BAD_INPUT, noCaches.exitCode(), noCaches.stderr());
        assertTrue(noCaches.stderr().startsWith("error: --substitute-test-runs needs substituters"),
                noCaches.stderr());
        CliRun sign = CliRun.run(new byte[0], env, "test", "--dir", b.toString(), "--sign", "key.sec");
        assertEquals(ExitCodes.BAD_INPUT, sign.exitCode(), sign.stderr());
        assertTrue(sign.stderr().startsWith("error: --sign needs --push"), sign.stderr());
        assertFalse(Files.exists(dir.resolve("home-b/var/db")), "the store was not even opened");
    }
}
