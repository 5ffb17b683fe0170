package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad workspaces fail with a message naming the file and the problem, and leave the store without outputs. */
class BuildBadInputTest {
    @TempDir
    Path dir;

    Path example() throws Exception {
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        return ws;
    }

    CliRun build(Path ws, String... extra) {
        String[] args = new String[3 + extra.length];
        args[0] = "build";
        args[1] = "--dir";
        args[2] = ws.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), args);
    }

    @Test
    void aTruncatedLockfileNamesTheFile() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        String lock = Files.readString(ws.resolve("Cargo.lock"));
        Files.writeString(ws.resolve("Cargo.lock"), lock.substring(0, lock.indexOf("name = \"greet-macros\"") + 10));
        CliRun r = build(ws, "--offline");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("Cargo.lock"), r.stderr());
        assertTrue(Files.notExists(ws.resolve("target")));
    }

    @Test
    void aLockfileThatDisagreesWithTheManifestsIsRefusedWithLocked() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        Path manifest = ws.resolve("greet/Cargo.toml");
        Files.writeString(manifest, Files.readString(manifest).replace("version = \"0.2.0\"", "version = \"0.3.0\""));
        CliRun r = build(ws, "--offline", "--locked");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("Cargo.lock") && r.stderr().contains("--locked"), r.stderr());
    }

    @Test
    void aMissingWorkspaceIsAClearError() {
        CliRun r = build(dir.resolve("nowhere"));
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("no Cargo.toml in " + dir.resolve("nowhere")), r.stderr());
    }
}
