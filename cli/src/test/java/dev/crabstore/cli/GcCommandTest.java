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
        assertEquals("would delete " + d, CliRun.run(new byte[0], env, "gc", "--dry-run").assertOk().out().strip());
        assertEquals("deleted " + d, CliRun.run(new byte[0], env, "gc").assertOk().out().strip());
        assertEquals("kept", Files.readString(link));
        assertEquals(2, CliRun.run(new byte[0], env, "store", "path-info", d).exitCode());
        Files.delete(link);
        assertEquals("deleted " + k, CliRun.run(new byte[0], env, "gc").assertOk().out().strip());
        assertEquals(2, CliRun.run(new byte[0], env, "gc", "--max-freed", "lots").exitCode());
    }
}
