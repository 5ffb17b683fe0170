package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.store.local.StoreDatabase;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: {@code crabstore build}, {@code gc} and {@code copy --from} killed with SIGKILL at random moments, 50 kills
 * in all, each followed by {@code store verify --check-contents}, which must be clean: no registered path with other
 * contents, no tree of an interrupted run in the store, no lock left held, nothing of the dead process left in
 * {@code var/tmp} or {@code var/temproots} once the next command has opened the store. Then a build and a copy run to
 * the end. Kills are timed three ways (at a random delay, a random moment after the n-th derivation started, and as
 * soon as an output is being registered), and the phase each landed in is read from what the dead process left.
 */
@Tag("slow")
class CrashRecoveryTest {
    private static final int BUILD_KILLS = 30;
    private static final int GC_KILLS = 5;
    private static final int COPY_KILLS = 15;

    @TempDir
    Path dir;

    final Map<String, Integer> phases = new TreeMap<>();
    Random random;

    @Test
    void killedBuildsGcsAndCopiesLeaveAConsistentStore() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        long seed = Long.getLong("crabstore.crash.seed", System.nanoTime());
        random = new Random(seed);
        log("seed %d (replay with -Dcrabstore.crash.seed=%d)", seed, seed);
        Path ws = dir.resolve("small");
        BuildCommandTest.copyTree(Corpus.workspace("small"), ws);
        Path home = dir.resolve("home");
        Map<String, String> env = env(home);

        long t0 = System.nanoTime();
        int buildKills = 0;
        int gcKills = 0;
        int run = 0;
        while (buildKills < BUILD_KILLS) {
            CliProcess b = CliProcess.start(env, dir.resolve("logs/build-" + run++), "build", "-v", "--dir",
                    ws.toString(), "--offline", "--locked");
            boolean killed = killSomehow(b, home);
            if (killed) {
                buildKills++;
                afterKill(env, home, b);
            } else {
                assertEquals(0, b.process().exitValue(), b.err());
            }
            if (!killed || buildKills % (BUILD_KILLS / GC_KILLS) == 0) {
                // Start over from an empty store, so that kills land in downloads and unpacking again; the gc that
                // empties it is killed too.
                Canonicaliser.deleteTree(ws.resolve("target"));
                if (gcKills < GC_KILLS && killGc(env, home)) {
                    gcKills++;
                }
                // --no-keep-outputs: the workspace's last build would keep every unit it built
                CliRun.run(new byte[0], env, "gc", "--no-keep-outputs").assertOk();
            }
        }
        while (gcKills < GC_KILLS) {
            CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline", "--locked").assertOk();
            Canonicaliser.deleteTree(ws.resolve("target"));
            if (killGc(env, home)) {
                gcKills++;
            }
        }
        CliProcess last = CliProcess.start(env, dir.resolve("logs/build-last"), "build", "--dir", ws.toString(),
                "--offline", "--locked");
        assertEquals(0, last.await(30), last.err());
        assertCleanAfterKills(env, home);
        double buildSecs = (System.nanoTime() - t0) / 1e9;

        // copy --from a file:// cache of everything the build made.
        long t1 = System.nanoTime();
        SecretKey key = SecretKey.generate("crash-test-1", new SecureRandom());
        Path keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        String cache = "file://" + dir.resolve("cache");
        CliRun.run(new byte[0], env, "copy", "--to", cache, "--sign", keyFile.toString(), "--all").assertOk();
        List<String> paths = new ArrayList<>();
        try (StoreDatabase db = StoreDatabase.open(home.resolve("var/db/db.sqlite"))) {
            db.allValidPaths().forEach(p -> paths.add(StoreDir.DEFAULT.print(p)));
        }
        Path home2 = dir.resolve("home2");
        Map<String, String> env2 = env(home2);
        List<String> copyArgs = new ArrayList<>(List.of("copy", "--from", cache, "--trusted-public-keys",
                key.toPublicKey().toString()));
        copyArgs.addAll(paths);
        int copyKills = 0;
        long window = 3000;
        run = 0;
        while (copyKills < COPY_KILLS) {
            long start = System.nanoTime();
            java.util.Set<String> before = storeNames(home2);
            CliProcess c = CliProcess.start(env2, dir.resolve("logs/copy-" + run++), copyArgs.toArray(String[]::new));
            boolean finished;
            int how = random.nextInt(3);
            if (how == 2) {
                // As soon as a fetched tree is complete: being registered.
                finished = false;
                while (!finished && newTrees(home2, before).stream().noneMatch(CrashRecoveryTest::complete)) {
                    finished = c.process().waitFor(1, TimeUnit.MILLISECONDS);
                }
            } else if (how == 0) {
                finished = c.process().waitFor(200 + (long) (random.nextDouble() * window), TimeUnit.MILLISECONDS);
            } else {
                // A random moment after the n-th download began (its tree appears in the store as it is restored).
                int n = 1 + random.nextInt(20);
                finished = false;
                while (newTrees(home2, before).size() < n && !finished) {
                    finished = c.process().waitFor(1, TimeUnit.MILLISECONDS);
                }
                finished = finished || c.process().waitFor(random.nextInt(20), TimeUnit.MILLISECONDS);
            }
            if (!finished) {
                classifyCopy(home2, before);
                c.kill();
                copyKills++;
                afterKill(env2, home2, c);
            } else {
                assertEquals(0, c.process().exitValue(), c.err());
                window = Math.max(500, (System.nanoTime() - start) / 1_000_000 - 200);
            }
            if (c.process().exitValue() == 0 || copyKills % 5 == 0) {
                CliRun.run(new byte[0], env2, "gc").assertOk(); // no roots: everything goes
            }
        }
        CliProcess lastCopy = CliProcess.start(env2, dir.resolve("logs/copy-last"), copyArgs.toArray(String[]::new));
        assertEquals(0, lastCopy.await(10), lastCopy.err());
        assertCleanAfterKills(env2, home2);
        try (StoreDatabase db = StoreDatabase.open(home2.resolve("var/db/db.sqlite"))) {
            assertEquals(paths.size(), db.allValidPaths().size(), "the last copy completes the store");
        }
        log("%d build kills, %d gc kills: %.1f s; %d copy kills: %.1f s; phases hit: %s", buildKills, gcKills,
                buildSecs, copyKills, (System.nanoTime() - t1) / 1e9, phases);
        for (String phase : List.of("build:download", "build:unpack", "build:compile", "build:register", "gc",
                "copy:download")) {
            assertTrue(phases.containsKey(phase), "no kill landed in " + phase + ": " + phases);
        }
    }

    Map<String, String> env(Path home) {
        Map<String, String> env = CorpusBuildTest.baseEnv();
        env.put("CRABSTORE_HOME", home.toString());
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        return env;
    }

    /**
     * Kills a running build one of three ways; false if it finished first. Records the phase it was in.
     */
    boolean killSomehow(CliProcess b, Path home) throws Exception {
        int how = random.nextInt(4);
        if (how == 0) {
            // At a random moment of a cold build's length.
            if (b.process().waitFor(100 + random.nextInt(8_000), TimeUnit.MILLISECONDS)) {
                return false;
            }
        } else if (how == 1) {
            // A random moment after the n-th derivation started.
            int n = 1 + random.nextInt(6);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (startedLines(b) < n) {
                if (b.process().waitFor(5, TimeUnit.MILLISECONDS)) {
                    return false;
                }
                assertTrue(System.nanoTime() < deadline, "no progress: " + b.err());
            }
            if (b.process().waitFor(random.nextInt(100), TimeUnit.MILLISECONDS)) {
                return false;
            }
        } else if (how == 2) {
            // As soon as an output is being registered (canonical in its scratch dir, or moved in, not valid).
            while (!registering(home, b.process().pid())) {
                if (b.process().waitFor(1, TimeUnit.MILLISECONDS)) {
                    return false;
                }
            }
        } else {
            // During a download (a .crate in its scratch dir): local downloads are short, and a random moment
            // rarely lands in one (30 kills once hit none).
            while (!downloading(home, b.process().pid())) {
                if (b.process().waitFor(1, TimeUnit.MILLISECONDS)) {
                    return false;
                }
            }
        }
        classify(home, b.process().pid(), "build");
        b.kill();
        return true;
    }

    static int startedLines(CliProcess b) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(b.stderr())) {
            return (int) r.lines().filter(l -> l.startsWith("   Compiling ") || l.startsWith("    Building ")
                    || l.startsWith("     Running `")).count();
        }
    }

    /** The scratch dirs of the process's store ({@code var/tmp/<pid>-<n>/*}). */
    static List<Path> scratchDirs(Path home, long pid) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> roots = Files.newDirectoryStream(home.resolve("var/tmp"), pid + "-*")) {
            for (Path root : roots) {
                try (Stream<Path> s = Files.list(root)) {
                    s.forEach(out::add);
                }
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            // not there (yet, or any more)
        } catch (java.io.UncheckedIOException e) {
            // a dir went while listed
        }
        return out;
    }

    /** Whether the process has an output canonicalised in a scratch dir: being hashed and moved in. */
    static boolean downloading(Path home, long pid) throws IOException {
        for (Path s : scratchDirs(home, pid)) {
            if (s.getFileName().toString().matches(".*\\.crate-\\d+")) {
                return true;
            }
        }
        return false;
    }

    static boolean registering(Path home, long pid) throws IOException {
        for (Path s : scratchDirs(home, pid)) {
            if (hasCanonicalOutput(s)) {
                return true;
            }
        }
        return false;
    }

    /** An output in a build's scratch store with the mtime the store gives everything (1 s): canonicalised. */
    private static boolean hasCanonicalOutput(Path scratch) {
        try (DirectoryStream<Path> outs = Files.newDirectoryStream(scratch.resolve("store"))) {
            for (Path o : outs) {
                if (Files.getLastModifiedTime(o, LinkOption.NOFOLLOW_LINKS).toMillis() == 1000) {
                    return true;
                }
            }
        } catch (IOException e) {
            // not a build scratch dir, or gone
        }
        return false;
    }

    /** The names in the store directory now. */
    static java.util.Set<String> storeNames(Path home) throws IOException {
        try (Stream<Path> s = Files.list(home.resolve("store"))) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        } catch (java.nio.file.NoSuchFileException e) {
            return java.util.Set.of();
        }
    }

    /** Trees in the store that were not there before the copy started: a download restores in place. */
    static List<Path> newTrees(Path home, java.util.Set<String> before) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String name : storeNames(home)) {
            if (!before.contains(name) && !name.startsWith(".")) {
                out.add(home.resolve("store").resolve(name));
            }
        }
        return out;
    }

    /** A restored tree gets the store's mtime (1 s) at its root last, once everything in it is written. */
    static boolean complete(Path tree) {
        try {
            return Files.getLastModifiedTime(tree, LinkOption.NOFOLLOW_LINKS).toMillis() == 1000;
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }

    /** Records what a copy was doing just before it is killed, from the trees it has put in the store. */
    void classifyCopy(Path home, java.util.Set<String> before) throws IOException {
        List<Path> trees = newTrees(home, before);
        String phase = trees.isEmpty() ? "other" : trees.stream().allMatch(CrashRecoveryTest::complete) ? "register"
                : "download";
        phases.merge("copy:" + phase, 1, Integer::sum);
    }

    /** Records what the process was doing, from its scratch dirs and the store, just before it is killed. */
    void classify(Path home, long pid, String command) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path s : scratchDirs(home, pid)) {
            String name = s.getFileName().toString();
            if (hasCanonicalOutput(s)) {
                found.add("register");
            } else if (name.startsWith("text-")) {
                found.add("plan");
            } else if (name.matches(".*\\.crate-\\d+")) {
                found.add("download");
            } else if (name.matches(".*-source-\\d+")) {
                found.add("unpack");
            } else {
                found.add("compile");
            }
        }
        if (found.isEmpty()) {
            found.add("other");
        }
        for (String f : new java.util.TreeSet<>(found)) {
            phases.merge(command + ":" + f, 1, Integer::sum);
        }
    }

    /** Runs gc and kills it once it has deleted the first path; false if it finished first. */
    boolean killGc(Map<String, String> env, Path home) throws Exception {
        long before = storeEntries(home);
        CliProcess gc = CliProcess.start(env, dir.resolve("logs/gc-" + System.nanoTime()), "gc", "--no-keep-outputs");
        while (storeEntries(home) >= before) {
            if (gc.process().waitFor(1, TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
        if (gc.process().waitFor(random.nextInt(20), TimeUnit.MILLISECONDS)) {
            return false;
        }
        gc.kill();
        phases.merge("gc", 1, Integer::sum);
        afterKill(env, home, gc);
        return true;
    }

    static long storeEntries(Path home) throws IOException {
        try (Stream<Path> s = Files.list(home.resolve("store"))) {
            return s.count();
        }
    }

    /** After each kill: verify is clean, and the next command has removed what the dead process left. */
    void afterKill(Map<String, String> env, Path home, CliProcess killed) throws Exception {
        CliRun v = CliRun.run(new byte[0], env, "store", "verify", "--check-contents");
        assertEquals(0, v.exitCode(), "after killing " + killed.stderr() + ": " + v.out() + v.stderr());
        assertTrue(v.stderr().contains("no problems"), v.stderr());
        assertLocksFree(home);
        try (DirectoryStream<Path> left = Files.newDirectoryStream(home.resolve("var/tmp"),
                killed.process().pid() + "-*")) {
            assertTrue(!left.iterator().hasNext(), "the killed process's scratch dir is gone");
        }
    }

    static void assertCleanAfterKills(Map<String, String> env, Path home) throws IOException {
        CliRun v = CliRun.run(new byte[0], env, "store", "verify", "--check-contents");
        assertEquals(0, v.exitCode(), v.out() + v.stderr());
        assertLocksFree(home);
        for (String d : List.of("var/tmp", "var/temproots")) {
            try (Stream<Path> s = Files.list(home.resolve(d))) {
                assertEquals(List.of(), s.toList(), d + " is empty once every process is done");
            }
        }
    }

    /** Every lock file of the store can be locked now: no dead process holds one. */
    static void assertLocksFree(Path home) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(home.resolve("var/locks"))) {
            s.forEach(files::add);
        } catch (java.nio.file.NoSuchFileException e) {
            // none yet
        }
        files.add(home.resolve("var/gc.lock"));
        for (Path f : files) {
            if (!Files.exists(f)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                assertTrue(l != null, f + " is still locked");
                l.release();
            }
        }
    }

    static void log(String format, Object... args) {
        System.out.printf(java.util.Locale.ROOT, "[CrashRecoveryTest] " + format + "%n", args);
    }
}
