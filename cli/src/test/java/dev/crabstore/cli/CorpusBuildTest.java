package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.CorpusCargoBuilds;
import dev.crabstore.testkit.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 4: the four corpus workspaces built by {@code crabstore build}, in dev and release, behave as cargo's builds
 * of the same inputs. Cargo's build is the suite's shared one ({@link CorpusCargoBuilds}); crabstore builds a copy of
 * the workspace into a store shared by this class (empty at its first build). The binaries of both run the same commands
 * ({@code --help}, {@code --version}, real tasks on real input, errors) in identical scratch directories and must
 * agree on exit code, stdout, stderr and the files they write. Then {@code crabstore build --tests} builds the test
 * executables; each runs from its package's directory, as {@code cargo test} runs it, and the tests that pass must be
 * the ones {@code cargo test --tests} passes.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorpusBuildTest {
    private static final long BUILD_TIMEOUT_MINUTES = 40;

    @TempDir
    Path dir;

    /**
     * One crabstore store for the whole class, as a developer's store holds several workspaces: units the workspaces
     * share are built once, which keeps this test affordable in CI. The first build in it is from an empty store;
     * bench/check-corpus.sh builds each workspace from an empty store of its own.
     */
    @TempDir
    static Path sharedStore;

    private static boolean storeUsed;

    @Test
    @Order(1)
    void smallDev() throws Exception {
        small(false);
    }

    @Test
    @Order(5)
    void smallRelease() throws Exception {
        small(true);
    }

    @Test
    @Order(2)
    void mediumDev() throws Exception {
        medium(false);
    }

    @Test
    @Order(6)
    void mediumRelease() throws Exception {
        medium(true);
    }

    @Test
    @Order(4)
    void largeDev() throws Exception {
        large(false);
    }

    @Test
    @Order(8)
    void largeRelease() throws Exception {
        large(true);
    }

    @Test
    @Order(3)
    void gitdepDev() throws Exception {
        gitdep(false);
    }

    @Test
    @Order(7)
    void gitdepRelease() throws Exception {
        gitdep(true);
    }

    // ---- the workspaces ----

    private static final String TEXT = "Hello world\nthe crab said hello\nfoo bar\nHELLO again, crab\n";

    void small(boolean release) throws Exception {
        Pair p = buildBoth("small", release, "--offline", "--locked");
        Consumer<Path> inputs = cwd -> {
            write(cwd.resolve("a.txt"), TEXT);
            write(cwd.resolve("b.txt"), "no match here\nbut Hello here\n");
        };
        List<Case> cases = List.of(
                Case.of(0, "--help"),
                Case.of(0, "--version"),
                Case.of(0, "-n", "-i", "hello", "a.txt", "b.txt"),
                Case.of(0, "crab", "a.txt"),
                Case.stdin(0, TEXT, "-c", "-i", "h(e|a)llo"),
                Case.of(1, "zebra", "a.txt"), // no match: exit 1, nothing printed
                Case.of(1, "(unclosed", "a.txt"), // regex's error through anyhow
                Case.of(1, "x", "missing.txt"),
                Case.of(2, "--no-such-flag"));
        compareRuns(p, "minigrep", inputs, cases);
        compareTests(p, "small", release, "--offline", "--locked");
    }

    void medium(boolean release) throws Exception {
        Pair p = buildBoth("medium", release, "--offline", "--locked");
        Consumer<Path> inputs = cwd -> {
            write(cwd.resolve("a.txt"), TEXT + "Über café, naïve façade; über alles\nthe end\n");
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                    gz.write(("the quick brown fox jumps over the lazy dog\n".repeat(50) + "the end\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                Files.write(cwd.resolve("b.txt.gz"), bytes.toByteArray());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        List<Case> cases = List.of(
                Case.of(0, "--help"),
                Case.of(0, "--version"),
                Case.of(0, "a.txt", "b.txt.gz"),
                Case.of(0, "-n", "3", "--seed", "7", "b.txt.gz", "a.txt"),
                Case.of(1, "a.txt", "missing.txt"),
                Case.of(2));
        compareRuns(p, "textkit", inputs, cases);
        compareTests(p, "medium", release, "--offline", "--locked");
    }

    void large(boolean release) throws Exception {
        Pair p = buildBoth("large", release, "--offline", "--locked");
        Consumer<Path> inputs = cwd -> {
            write(cwd.resolve("cfg.toml"), "name = \"demo\"\ninclude = [\"*.rs\", \"*.toml\"]\n"
                    + "[labels]\nteam = \"crabs\"\nzone = \"eu\"\n");
            write(cwd.resolve("cfg.yaml"), "name: demo\nexclude: ['*.log']\nlabels:\n  a: b\n");
            write(cwd.resolve("bad.json"), "{\"name\": 1}");
            write(cwd.resolve("data/readme.md"), "# data\n" + TEXT);
            write(cwd.resolve("data/src/main.rs"), "fn main() { println!(\"hi\"); }\n");
            write(cwd.resolve("data/src/Lib Mod.rs"), "pub fn f() {}\n");
            write(cwd.resolve("data/empty.log"), "");
            write(cwd.resolve("data/nested/deeper/blob.bin"), "x".repeat(100_000));
        };
        List<Case> cases = List.of(
                Case.of(0, "--help"),
                Case.of(0, "--version"),
                Case.of(0, "pack", "--help"),
                Case.of(0, "config", "cfg.toml"),
                Case.of(0, "config", "cfg.yaml"),
                Case.of(1, "config", "bad.json"),
                Case.writes(0, List.of("out.tar.gz"), "pack", "data", "-o", "out.tar.gz"),
                Case.writes(0, List.of("out.tar.xz"), "pack", "data", "-o", "out.tar.xz", "--codec", "xz"),
                Case.writes(0, List.of("out.tar.bz2"), "pack", "data", "--out", "out.tar.bz2", "--codec", "bz2"),
                Case.of(1, "pack", "data", "-o", "out.tar.zz", "--codec", "zz"),
                Case.of(0, "--db", "index.sqlite", "scan", "data", "--exclude", "*.log"),
                Case.of(0, "--db", "index.sqlite", "scan", "data", "--include", "**/*.rs"),
                Case.of(2, "frobnicate"));
        compareRuns(p, "hub", inputs, cases);
        compareTests(p, "large", release, "--offline", "--locked");
    }

    void gitdep(boolean release) throws Exception {
        // A fresh CARGO_HOME fetches the file:// git repositories, which --offline refuses.
        Pair p = buildBoth("gitdep", release, "--locked");
        List<Case> cases = List.of(Case.of(0), Case.of(0, "--help"), Case.of(0, "--version"));
        compareRuns(p, "corpus-gitdep", cwd -> { }, cases);
        compareTests(p, "gitdep", release, "--locked");
    }

    // ---- building ----

    /** The two copies of a workspace, each built, and the environment each side runs with. */
    record Pair(String name, boolean release, Path cargoWs, Path crabWs, Map<String, String> cargoEnv,
            Map<String, String> crabEnv) {
        String profileDir() {
            return release ? "release" : "debug";
        }
    }

    Pair buildBoth(String name, boolean release, String... flags) throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path source = Corpus.workspace(name);
        if (name.equals("gitdep") && Files.notExists(Corpus.corpusDir().resolve("git/gd.git"))) {
            String why = "the git fixture " + Corpus.corpusDir().resolve("git/gd.git")
                    + " is missing (run shared/corpus/make-git-fixture.sh)";
            if (Tools.inCi()) {
                throw new AssertionError(why);
            }
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        Path crabWs = dir.resolve("crab").resolve(name);
        BuildCommandTest.copyTree(source, crabWs);
        List<String> cargoFlags = new ArrayList<>(Arrays.asList(flags));
        if (release) {
            cargoFlags.add("--release");
        }
        long t0 = System.nanoTime();
        // The suite's shared cargo build of these flags (the conformance oracle made it already when it ran first).
        CorpusCargoBuilds.Build cargoBuild = CorpusCargoBuilds.build(name, cargoFlags, Map.of(), null);
        Path cargoWs = cargoBuild.workspace();
        Map<String, String> cargoEnv = baseEnv();
        cargoEnv.putAll(cargoBuild.env());
        Map<String, String> crabEnv = baseEnv();
        crabEnv.put("CRABSTORE_HOME", sharedStore.resolve("crab-home").toString());
        crabEnv.put("CARGO_HOME", sharedStore.resolve("crab-cargo-home").toString());
        crabEnv.put("XDG_CONFIG_HOME", dir.resolve("crab-config").toString()); // no user config: no substituters
        Pair p = new Pair(name, release, cargoWs, crabWs, cargoEnv, crabEnv);
        long t1 = System.nanoTime();
        // Issue 6: medium's outputs hold no absolute path outside the store; --strict-paths fails a unit that does.
        String[] more = name.equals("medium") ? new String[] {"--strict-paths"} : new String[0];
        CliRun r = CliRun.run(new byte[0], crabEnv, crabstoreArgs(crabWs, release, flags, more)).assertOk();
        long t2 = System.nanoTime();
        if (!storeUsed) {
            assertTrue(r.stderr().contains(" 0 fresh"), "an empty store builds everything: " + r.stderr());
        }
        // Compiling lines name a git package's source as cargo's do (two gd-core of two commits are two lines).
        r.stderr().lines().filter(l -> l.startsWith("   Compiling gd-")).forEach(l -> assertTrue(
                cargoBuild.log().contains(l.strip()), l + " is not among cargo's lines: " + cargoBuild.log()));
        storeUsed = true;
        log(p, "build", "cargo %.1fs (0 if shared), crabstore %.1fs", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        return p;
    }

    static String[] crabstoreArgs(Path ws, boolean release, String[] flags, String... more) {
        List<String> args = new ArrayList<>(List.of("build", "--dir", ws.toString()));
        args.addAll(Arrays.asList(flags));
        if (release) {
            args.add("--release");
        }
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    /**
     * The test JVM's environment without what would make the two sides differ or the binaries chatty: logging and
     * backtrace switches, a CI-wide target dir, a crabstore store dir.
     */
    static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>(System.getenv());
        for (String k : List.of("RUST_LOG", "RUST_BACKTRACE", "RUST_LIB_BACKTRACE", "CARGO_TARGET_DIR",
                "CARGO_BUILD_TARGET_DIR", "CARGO_HOME", "CRABSTORE_HOME", "CRABSTORE_STORE_DIR",
                "CRABSTORE_SUBSTITUTERS", "HUB_DB", "CARGO_TERM_COLOR", "CLICOLOR_FORCE", "NO_COLOR")) {
            env.remove(k);
        }
        return env;
    }

    // ---- running the binaries ----

    /** One invocation of a binary: its arguments, stdin, the exit code expected and the files it writes. */
    record Case(int expectedExit, List<String> args, byte[] stdin, List<String> writes) {
        static Case of(int exit, String... args) {
            return new Case(exit, List.of(args), new byte[0], List.of());
        }

        static Case stdin(int exit, String in, String... args) {
            return new Case(exit, List.of(args), in.getBytes(StandardCharsets.UTF_8), List.of());
        }

        static Case writes(int exit, List<String> files, String... args) {
            return new Case(exit, List.of(args), new byte[0], files);
        }
    }

    /**
     * Runs every case with cargo's binary in one scratch directory and crabstore's in another, both set up by
     * {@code inputs}, in order (a case may see what an earlier one wrote), and compares.
     */
    void compareRuns(Pair p, String bin, Consumer<Path> inputs, List<Case> cases) throws Exception {
        Path cargoExe = p.cargoWs().resolve("target").resolve(p.profileDir()).resolve(bin);
        Path crabExe = p.crabWs().resolve("target").resolve(p.profileDir()).resolve(bin);
        assertTrue(Files.isExecutable(cargoExe), cargoExe.toString());
        assertTrue(Files.isSymbolicLink(crabExe) && Files.isExecutable(crabExe), "crabstore links " + crabExe);
        Path cargoCwd = Files.createDirectories(dir.resolve("run/" + p.name() + "-cargo"));
        Path crabCwd = Files.createDirectories(dir.resolve("run/" + p.name() + "-crab"));
        inputs.accept(cargoCwd);
        inputs.accept(crabCwd);
        Map<String, String> env = baseEnv();
        env.put("HOME", dir.resolve("run/home").toString());
        long t0 = System.nanoTime();
        for (Case c : cases) {
            List<String> cmd = new ArrayList<>();
            cmd.add(null);
            cmd.addAll(c.args());
            cmd.set(0, cargoExe.toString());
            Ran expected = exec(cargoCwd, env, c.stdin(), cmd, 2);
            cmd.set(0, crabExe.toString());
            Ran actual = exec(crabCwd, env, c.stdin(), cmd, 2);
            String what = p.name() + " " + bin + " " + String.join(" ", c.args());
            assertEquals(c.expectedExit(), expected.code(), "cargo's " + what + " (the case itself): " + expected);
            if (c.expectedExit() == 0 || !c.args().isEmpty() && c.args().get(0).startsWith("--")) {
                assertFalse(expected.out().isEmpty() && expected.err().isEmpty(), "cargo's " + what
                        + " printed nothing");
            }
            assertEquals(expected.code(), actual.code(), what + ": exit code; crabstore's " + actual);
            assertEquals(expected.out(), actual.out(), what + ": stdout");
            assertEquals(expected.err(), actual.err(), what + ": stderr");
            for (String f : c.writes()) {
                byte[] want = Files.readAllBytes(cargoCwd.resolve(f));
                assertTrue(want.length > 0, f);
                assertTrue(Arrays.equals(want, Files.readAllBytes(crabCwd.resolve(f))), what + ": the bytes of " + f);
            }
        }
        log(p, "run", "%d cases identical in %.1fs", cases.size(), (System.nanoTime() - t0) / 1e9);
    }

    // ---- the workspaces' own tests ----

    private static final Pattern TEST_OK = Pattern.compile("(?m)^test (.+) \\.\\.\\. ok$");
    private static final Pattern RESULT = Pattern.compile(
            "(?m)^test result: (ok|FAILED)\\. (\\d+) passed; (\\d+) failed; (\\d+) ignored");

    /**
     * {@code cargo test --tests} on cargo's copy; {@code crabstore build --tests} on crabstore's, then every test
     * executable it reports (and links under {@code target/<profile>/deps/}) run from its package's directory with
     * {@code CARGO_MANIFEST_DIR} set, as cargo test runs it. The passed tests of both, by name, must be the same.
     */
    void compareTests(Pair p, String name, boolean release, String... flags) throws Exception {
        List<String> cargo = new ArrayList<>(List.of("cargo", "test", "--tests"));
        cargo.addAll(Arrays.asList(flags));
        if (release) {
            cargo.add("--release");
        }
        long t0 = System.nanoTime();
        Ran c = exec(p.cargoWs(), p.cargoEnv(), new byte[0], cargo, BUILD_TIMEOUT_MINUTES);
        assertEquals(0, c.code(), "cargo test of " + name + ": " + c.out() + c.err());
        List<String> cargoPassed = passed(c.out());
        int cargoBinaries = count(RESULT, c.out());
        long t1 = System.nanoTime();

        CliRun r = CliRun.run(new byte[0], p.crabEnv(), crabstoreArgs(p.crabWs(), release, flags, "--tests",
                "--message-format", "json")).assertOk();
        long t2 = System.nanoTime();
        JsonMapper json = JsonMapper.builder().build();
        List<String> crabPassed = new ArrayList<>();
        int binaries = 0;
        for (String line : r.out().split("\n")) {
            JsonNode m = json.readTree(line);
            if (!m.get("reason").asString().equals("compiler-artifact") || !m.get("profile").get("test").asBoolean()) {
                continue;
            }
            Path executable = Path.of(m.get("executable").asString());
            Path link = p.crabWs().resolve("target").resolve(p.profileDir()).resolve("deps")
                    .resolve(executable.getFileName().toString());
            assertTrue(Files.isSymbolicLink(link), "crabstore links the test executable " + link);
            Path pkgDir = Path.of(m.get("manifest_path").asString()).getParent();
            assertTrue(pkgDir.startsWith(p.crabWs()), pkgDir.toString());
            Map<String, String> env = baseEnv();
            env.put("CARGO_MANIFEST_DIR", pkgDir.toString());
            Ran t = exec(pkgDir, env, new byte[0], List.of(link.toString()), 10);
            assertEquals(0, t.code(), link + ": " + t.out() + t.err());
            Matcher result = RESULT.matcher(t.out());
            assertTrue(result.find() && result.group(1).equals("ok"), link + ": " + t.out());
            crabPassed.addAll(passed(t.out()));
            binaries++;
        }
        long t3 = System.nanoTime();
        assertEquals(cargoBinaries, binaries, "test executables: cargo ran " + cargoBinaries + "\n" + c.err());
        assertEquals(cargoPassed, crabPassed.stream().sorted().toList(), "the tests that passed");
        log(p, "tests", "%d executables, %d tests passed; cargo test %.1fs, crabstore build --tests %.1fs, "
                + "running them %.1fs", binaries, crabPassed.size(), (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                (t3 - t2) / 1e9);
    }

    static List<String> passed(String out) {
        List<String> names = new ArrayList<>();
        Matcher m = TEST_OK.matcher(out);
        while (m.find()) {
            names.add(m.group(1));
        }
        names.sort(null);
        return names;
    }

    static int count(Pattern p, String s) {
        int n = 0;
        for (Matcher m = p.matcher(s); m.find(); ) {
            n++;
        }
        return n;
    }

    // ---- processes ----

    record Ran(int code, String out, String err) {}

    /** Runs {@code cmd} in {@code cwd} with exactly {@code env}; stdout and stderr go to files (no pipe deadlock). */
    Ran exec(Path cwd, Map<String, String> env, byte[] stdin, List<String> cmd, long timeoutMinutes)
            throws Exception {
        Path io = Files.createTempDirectory(dir, "io");
        Path in = Files.write(io.resolve("in"), stdin);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(in.toFile())
                .redirectOutput(io.resolve("out").toFile()).redirectError(io.resolve("err").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process proc = pb.start();
        if (!proc.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            throw new AssertionError(cmd + " in " + cwd + " did not finish in " + timeoutMinutes + " min");
        }
        return new Ran(proc.exitValue(), Files.readString(io.resolve("out")), Files.readString(io.resolve("err")));
    }

    static void write(Path p, String text) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void log(Pair p, String phase, String format, Object... args) {
        System.out.printf(Locale.ROOT, "[corpus %s %s] %s: %s%n", p.name(), p.release() ? "release" : "dev", phase,
                String.format(Locale.ROOT, format, args));
    }
}
