package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcCommandTest {
    @TempDir
    Path dir;

    @Test
    void rootsProtectAndGcDeletesTheRest() throws Exception {
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        Path kept = Files.writeString(dir.resolve("kept.txt"), "kept");
        Path dropped = Files.writeString(dir.resolve("dropped.txt"), "dropped");
        String k = CliRun.run(new byte[0], env, "store", "add", kept.toString()).assertOk().out().strip();
        String d = CliRun.run(new byte[0], env, "store", "add", dropped.toString()).assertOk().out().strip();
        Path link = dir.resolve("result");
        CliRun.run(new byte[0], env, "store", "add-root", link.toString(), k).assertOk();
        assertTrue(CliRun.run(new byte[0], env, "store", "roots").assertOk().out().contains(link + " -> " + k));
        CliRun dry = CliRun.run(new byte[0], env, "gc", "--dry-run").assertOk();
        assertEquals("would delete " + d, dry.out().strip());
        assertEquals("1 store path would be deleted, 0.00 MiB freed", lastLine(dry.stderr()),
                "a dry run removes no lock file");
        CliRun gc = CliRun.run(new byte[0], env, "gc").assertOk();
        assertEquals("deleted " + d, gc.out().strip());
        // The deleted path's lock file (store add took the lock) goes with it, and the summary says so.
        assertEquals("1 store path deleted, 0.00 MiB freed, 1 unused lock file removed", lastLine(gc.stderr()));
        assertEquals("kept", Files.readString(link));
        assertEquals(2, CliRun.run(new byte[0], env, "store", "path-info", d).exitCode());
        Files.delete(link);
        assertEquals("deleted " + k, CliRun.run(new byte[0], env, "gc").assertOk().out().strip());
        assertEquals(2, CliRun.run(new byte[0], env, "gc", "--max-freed", "lots").exitCode());
    }

    /**
     * keep-outputs (the default): gc keeps the build-time closure of a live checkout's last build (the outputs of every
     * derivation its recorded root .drv files reach), so a one-line edit after a gc builds only the edited unit, as
     * cargo's target/ would; it used to keep the runtime closure of the target/ links only, and the edit rebuilt every
     * dependency, unpacking the sources again (55 built). keep-outputs = false in the user's config.toml (or
     * gc --no-keep-outputs) is that old behaviour, and --keep-outputs overrides the file. gc --dry-run always lists
     * exactly what gc then deletes.
     */
    @Test
    void keepsTheBuildClosureOfEachCheckoutsLastBuild() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path ws = dir.resolve("small");
        Corpus.copyWorkspace(Corpus.workspace("small"), ws);
        Map<String, String> env = CorpusBuildTest.baseEnv();
        env.put("CRABSTORE_HOME", dir.resolve("home").toString());
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        Path main = ws.resolve("src/main.rs");
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();

        assertEquals(Set.of(), gcAgreesWithItsDryRun(env), "the last build keeps everything it built");
        Files.writeString(main, Files.readString(main) + "\n// edited\n");
        CliRun edited = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertEquals("1 built, 74 fresh", counts(edited.stderr()), edited.stderr());

        // The flag wins over the file; the file wins over the default.
        Path config = Files.createDirectories(dir.resolve("config/crabstore")).resolve("config.toml");
        Files.writeString(config, "keep-outputs = false\n");
        CliRun kept = CliRun.run(new byte[0], env, "gc", "--dry-run", "--keep-outputs").assertOk();
        assertTrue(!kept.out().isBlank() && kept.out().lines().allMatch(l -> l.contains("-corpus-small-")),
                "only what the edit replaced: " + kept.out());
        Set<String> dropped = gcAgreesWithItsDryRun(env);
        assertTrue(dropped.stream().anyMatch(p -> p.contains("-anyhow-1.0.69")),
                "keep-outputs = false: the dependencies go: " + dropped);
        Files.writeString(main, Files.readString(main) + "\n// edited again\n");
        CliRun rebuilt = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertEquals("55 built, 20 fresh", counts(rebuilt.stderr()), rebuilt.stderr());
        assertEquals(2, CliRun.run(new byte[0], env, "gc", "--keep-outputs=maybe").exitCode());

        // A deleted checkout keeps nothing, and the dry run says so too (it used to count the deleted checkout's
        // last-build record, which only the real run forgets, as a root).
        Files.delete(config);
        dev.crabstore.store.local.Canonicaliser.deleteTree(ws);
        Set<String> gone = gcAgreesWithItsDryRun(env);
        assertTrue(gone.stream().anyMatch(p -> p.contains("-anyhow-1.0.69")) && gone.stream().anyMatch(p -> p
                .endsWith("-corpus-small-0.1.0-bin-minigrep.drv")), gone.toString());
    }

    /** Runs gc --dry-run then gc, asserts that they name the same paths, and returns them. */
    private static Set<String> gcAgreesWithItsDryRun(Map<String, String> env) {
        Set<String> wouldDelete = new TreeSet<>(Arrays.asList(CliRun.run(new byte[0], env, "gc", "--dry-run")
                .assertOk().out().replace("would delete ", "").split("\n")));
        Set<String> deleted = new TreeSet<>(Arrays.asList(CliRun.run(new byte[0], env, "gc").assertOk().out()
                .replace("deleted ", "").split("\n")));
        wouldDelete.remove("");
        deleted.remove("");
        assertEquals(wouldDelete, deleted, "gc deletes what gc --dry-run said it would");
        return deleted;
    }

    /** {@code N built, M fresh} of a build's summary line. */
    private static String counts(String stderr) {
        String line = stderr.lines().filter(l -> l.contains("Finished")).reduce((a, b) -> b).orElseThrow();
        return line.substring(line.indexOf(": ") + 2);
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }
}
