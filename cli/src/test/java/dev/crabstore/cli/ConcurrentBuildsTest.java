package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 7: one store shared by concurrent builds while the garbage collector runs, then collected after a checkout
 * is deleted. One test, so that the medium build of the first part is the store of the second.
 */
@Tag("slow")
class ConcurrentBuildsTest {
    private static final int BUILDS = 4;
    /**
     * A derivation a process started (-v): {@code Compiling pkg (<drv>)}, {@code Running `pkg` build script (<drv>)}
     * or {@code Building <drv>}.
     */
    private static final Pattern STARTED = Pattern.compile(
            "^\\s+(?:(?:Compiling .*|Running `.*` build script) \\(([0-9a-z]{32}-[^)]+\\.drv)\\)"
                    + "|Building ([0-9a-z]{32}-\\S+\\.drv))$",
            Pattern.MULTILINE);
    private static final Pattern FINISHED = Pattern.compile(
            "Finished `dev` profile in \\S+: (\\d+) built, (?:(\\d+) built elsewhere, )?(\\d+) fresh");

    @TempDir
    Path dir;

    /**
     * (1) Four {@code crabstore build} processes of corpus medium into one empty store, while {@code crabstore gc}
     * runs in a loop: all succeed, every derivation is built by exactly one of them (the others wait for it and
     * report it built elsewhere, or find it done), and {@code store verify --check-contents} is clean. (3) With
     * corpus small built too, the four medium checkouts deleted and {@code gc} run: the paths only medium's roots
     * reached are gone, everything small's roots reach is intact, and small rebuilds without building anything.
     */
    @Test
    void fourBuildsShareAStoreWhileGcRunsThenGcFreesWhatOnlyADeletedCheckoutNeeded() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path medium = Corpus.workspace("medium");
        Path small = Corpus.workspace("small");
        Path home = dir.resolve("home");
        Map<String, String> env = CorpusBuildTest.baseEnv();
        env.put("CRABSTORE_HOME", home.toString());
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString()); // no user config: no substituters

        List<Path> checkouts = new ArrayList<>();
        for (int i = 0; i < BUILDS; i++) {
            Path ws = dir.resolve("checkouts/medium-" + i);
            BuildCommandTest.copyTree(medium, ws);
            checkouts.add(ws);
        }
        long t0 = System.nanoTime();
        List<CliProcess> builds = new ArrayList<>();
        for (int i = 0; i < BUILDS; i++) {
            builds.add(CliProcess.start(env, dir.resolve("logs/build-" + i), "build", "-v", "--dir",
                    checkouts.get(i).toString(), "--offline", "--locked", "--message-format", "json"));
        }
        int gcRuns = 0;
        long gcDeleted = 0;
        while (builds.stream().anyMatch(b -> b.process().isAlive())) {
            CliProcess gc = CliProcess.start(env, dir.resolve("logs/gc-" + gcRuns), "gc");
            assertEquals(0, gc.await(10), "gc run " + gcRuns + ": " + gc.err());
            gcDeleted += gc.out().lines().filter(l -> l.startsWith("deleted ")).count();
            gcRuns++;
            Thread.sleep(1000); // a loop, not a busy one: the builds need the CPU
        }
        for (int i = 0; i < BUILDS; i++) {
            assertEquals(0, builds.get(i).await(40), "build " + i + ": " + tail(builds.get(i).err()));
        }
        double buildSecs = (System.nanoTime() - t0) / 1e9;

        // Every derivation started (and so built) by exactly one process.
        Map<String, Integer> started = new TreeMap<>();
        int builtSum = 0;
        int elsewhereSum = 0;
        int total = -1;
        for (CliProcess b : builds) {
            String err = b.err();
            Matcher m = STARTED.matcher(err);
            while (m.find()) {
                started.merge(m.group(1) != null ? m.group(1) : m.group(2), 1, Integer::sum);
            }
            Matcher f = FINISHED.matcher(err);
            assertTrue(f.find(), tail(err));
            int built = Integer.parseInt(f.group(1));
            int elsewhere = f.group(2) == null ? 0 : Integer.parseInt(f.group(2));
            int all = built + elsewhere + Integer.parseInt(f.group(3));
            // Not equal across processes: one that starts realising after another built a unit does not visit that
            // unit's inputs (a valid output needs none), so it counts fewer (226 vs 225 seen on a quiet machine).
            total = Math.max(total, all);
            builtSum += built;
            elsewhereSum += elsewhere;
        }
        Map<String, Integer> twice = new TreeMap<>(started);
        twice.values().removeIf(n -> n == 1);
        assertEquals(Map.of(), twice, "derivations started by more than one process");
        assertTrue(total <= started.size(), "every derivation a build needed was built by one of the processes: "
                + total + " needed, " + started.size() + " started");
        assertEquals(started.size(), builtSum, "each started derivation built once");
        assertTrue(elsewhereSum > 0, "the builds waited for each other");

        // The same from cargo's JSON messages: each unit compiled (fresh: false) by exactly one process, reported
        // by all four.
        JsonMapper json = JsonMapper.builder().build();
        Map<String, Integer> compiled = new HashMap<>();
        Map<String, Integer> reported = new HashMap<>();
        for (CliProcess b : builds) {
            for (String line : b.out().lines().toList()) {
                JsonNode n = json.readTree(line);
                if (n.path("reason").asString().equals("compiler-artifact")) {
                    String unit = n.get("filenames").get(0).asString();
                    reported.merge(unit, 1, Integer::sum);
                    if (!n.get("fresh").asBoolean()) {
                        compiled.merge(unit, 1, Integer::sum);
                    }
                }
            }
        }
        assertFalse(reported.isEmpty());
        assertEquals(reported.keySet(), compiled.keySet(), "every unit compiled somewhere");
        assertTrue(compiled.values().stream().allMatch(n -> n == 1), "each unit compiled once: " + compiled);
        assertTrue(reported.values().stream().allMatch(n -> n == BUILDS), "each unit reported by every build");
        assertVerifyClean(env);
        log("%d builds of medium: %.1f s, %d derivations each (%d built elsewhere in all), %d gc runs meanwhile "
                + "deleted %d paths", BUILDS, buildSecs, total, elsewhereSum, gcRuns, gcDeleted);

        // (3) small as well, then medium's checkouts deleted.
        long t1 = System.nanoTime();
        Path smallWs = dir.resolve("checkouts/small");
        BuildCommandTest.copyTree(small, smallWs);
        CliRun.run(new byte[0], env, "build", "--dir", smallWs.toString(), "--offline", "--locked").assertOk();
        StoreHome storeHome = new StoreHome(home, dev.crabstore.core.path.StoreDir.DEFAULT);
        Set<StorePath> mediumOnly;
        Set<StorePath> smallNeeds;
        try (LocalStore store = LocalStore.open(storeHome, Clock.systemUTC())) {
            Map<Path, StorePath> roots = new GcRoots(storeHome).roots();
            List<StorePath> mediumRoots = new ArrayList<>();
            List<StorePath> smallRoots = new ArrayList<>();
            roots.forEach((link, p) -> {
                Path owner = workspaceOf(home, link);
                if (owner.startsWith(smallWs)) {
                    smallRoots.add(p);
                } else if (checkouts.stream().anyMatch(owner::startsWith)) {
                    mediumRoots.add(p);
                }
            });
            assertFalse(mediumRoots.isEmpty() || smallRoots.isEmpty(), roots.toString());
            smallNeeds = closure(store, smallRoots);
            mediumOnly = closure(store, mediumRoots);
            mediumOnly.removeAll(smallNeeds);
        }
        assertTrue(mediumOnly.stream().anyMatch(p -> p.name().endsWith(".drv")), "the last builds' roots: " + mediumOnly);
        for (Path ws : checkouts) {
            Canonicaliser.deleteTree(ws);
        }
        CliRun gc = CliRun.run(new byte[0], env, "gc").assertOk();
        try (LocalStore store = LocalStore.open(storeHome, Clock.systemUTC())) {
            for (StorePath p : mediumOnly) {
                assertFalse(store.isValid(p) || Files.exists(store.realPath(p)), p + " only medium needed: "
                        + gc.stderr());
            }
            for (StorePath p : smallNeeds) {
                assertTrue(store.isValid(p) && Files.exists(store.realPath(p)), p + " is needed by small");
            }
        }
        assertVerifyClean(env);
        CliRun again = CliRun.run(new byte[0], env, "build", "--dir", smallWs.toString(), "--offline", "--locked",
                "--message-format", "json").assertOk();
        assertTrue(again.stderr().contains(": 0 built, "), again.stderr());
        List<String> artifacts = again.out().lines().filter(l -> l.contains("\"reason\":\"compiler-artifact\""))
                .toList();
        assertFalse(artifacts.isEmpty());
        assertTrue(artifacts.stream().allMatch(l -> l.contains("\"fresh\":true")), again.out());
        log("small built, medium's %d checkouts deleted, gc (%s), small rebuilt as a no-op: %.1f s", BUILDS,
                gc.stderr().strip(), (System.nanoTime() - t1) / 1e9);
    }

    /**
     * The checkout a root belongs to: a {@code target/} link is in it; a root of the last build of a workspace
     * ({@code var/last-builds/<key>/roots/<n>}, kept for {@code why-rebuild}) names it in its record.
     */
    static Path workspaceOf(Path home, Path link) {
        Path lastBuilds = home.resolve("var/last-builds");
        if (!link.startsWith(lastBuilds)) {
            return link;
        }
        try {
            Path record = link.getParent().resolveSibling("build");
            return Path.of(Files.readAllLines(record).stream().filter(l -> l.startsWith("workspace\t")).findFirst()
                    .orElseThrow().substring("workspace\t".length()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Set<StorePath> closure(LocalStore store, List<StorePath> roots) {
        Set<StorePath> out = new TreeSet<>();
        Deque<StorePath> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            StorePath p = todo.pop();
            if (out.add(p)) {
                todo.addAll(store.query(p).orElseThrow(() -> new AssertionError(p + " is not valid")).references());
            }
        }
        return out;
    }

    static void assertVerifyClean(Map<String, String> env) {
        CliRun v = CliRun.run(new byte[0], env, "store", "verify", "--check-contents");
        assertEquals(0, v.exitCode(), v.out() + v.stderr());
        assertTrue(v.stderr().contains("no problems"), v.stderr());
    }

    static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }

    static void log(String format, Object... args) {
        System.out.printf(java.util.Locale.ROOT, "[ConcurrentBuildsTest] " + format + "%n", args);
    }
}
