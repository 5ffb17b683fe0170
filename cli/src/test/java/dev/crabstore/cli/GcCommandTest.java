package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
        assertEquals("1 store paths would be deleted, 0.00 MiB freed", lastLine(dry.stderr()),
                "a dry run removes no lock file");
        CliRun gc = CliRun.run(new byte[0], env, "gc").assertOk();
        assertEquals("deleted " + d, gc.out().strip());
        // The deleted path's lock file (store add took the lock) goes with it, and the summary says so.
        assertEquals("1 store paths deleted, 0.00 MiB freed, 1 unused lock files removed", lastLine(gc.stderr()));
        assertEquals("kept", Files.readString(link));
        assertEquals(2, CliRun.run(new byte[0], env, "store", "path-info", d).exitCode());
        Files.delete(link);
        assertEquals("deleted " + k, CliRun.run(new byte[0], env, "gc").assertOk().out().strip());
        assertEquals(2, CliRun.run(new byte[0], env, "gc", "--max-freed", "lots").exitCode());
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }
}
