package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plan starts cargo before any store is open (a command opens its store while cargo runs). */
class PlanStartTest {
    @TempDir
    Path dir;

    Path fakeCargo(Path log) throws Exception {
        Path cargo = dir.resolve("cargo");
        Files.writeString(cargo, "#!/bin/sh\necho \"$*\" >> " + log + "\nexit 1\n");
        Files.setPosixFilePermissions(cargo, PosixFilePermissions.fromString("rwxr-xr-x"));
        return cargo;
    }

    @Test
    void cargoRunsWithoutAStore() throws Exception {
        Path log = dir.resolve("cargo.log");
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Files.writeString(ws.resolve("Cargo.toml"), "[package]\nname = \"x\"\nversion = \"0.1.0\"\n");
        Path storeRoot = dir.resolve("home");
        WorkspaceBuilder.PlanStart start = WorkspaceBuilder.startPlan(storeRoot, ws, CargoSelection.of("--offline"),
                null, Map.of("CARGO", fakeCargo(log).toString(), "PATH", System.getenv("PATH")));
        start.abandon(); // waits for the cargo it started
        List<String> calls = Files.readAllLines(log);
        assertTrue(calls.stream().anyMatch(c -> c.startsWith("metadata")), calls.toString());
        assertTrue(calls.stream().anyMatch(c -> c.contains("--unit-graph")), calls.toString());
        assertFalse(Files.exists(storeRoot.resolve("store")), "no store was made or opened");
    }

    @Test
    void aDirectoryWithoutCargoTomlFailsBeforeCargoRuns() throws Exception {
        Path log = dir.resolve("cargo.log");
        Path ws = Files.createDirectories(dir.resolve("empty"));
        InvalidFormatException e = assertThrows(InvalidFormatException.class, () -> WorkspaceBuilder.startPlan(
                dir.resolve("home"), ws, CargoSelection.of(), null, Map.of("CARGO", fakeCargo(log).toString())));
        assertTrue(e.getMessage().contains("no Cargo.toml in " + ws), e.getMessage());
        assertFalse(Files.exists(log));
    }
}
