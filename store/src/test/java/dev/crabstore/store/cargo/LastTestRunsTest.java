package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.GarbageCollector;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reports of a workspace's last test runs are GC roots until the next run of its kind or the checkout's deletion. */
class LastTestRunsTest {
    @TempDir
    Path dir;

    static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void reportsAreKeptPerSelectionAndArgumentsAndReplacedByTheNextRun() throws Exception {
        StoreHome home = new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
        StorePath full;
        StorePath filtered;
        StorePath older;
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            full = report(store, "full");
            filtered = report(store, "filtered");
            older = report(store, "older");
            Path ws = Files.createDirectories(dir.resolve("ws"));
            LastTestRuns tests = new LastTestRuns(home);
            tests.record(ws, CargoSelection.of("--offline"), List.of(), List.of(older), List.of(), T);
            tests.record(ws, CargoSelection.of(), List.of(), List.of(full), List.of(), T); // --offline is not in the key
            tests.record(ws, CargoSelection.of(), List.of("greets"), List.of(filtered), List.of(), T);
            assertNotEquals(LastTestRuns.key(ws, CargoSelection.of(), List.of()),
                    LastTestRuns.key(ws, CargoSelection.of("-p", "greet"), List.of()));
            assertNotEquals(LastTestRuns.key(ws, CargoSelection.of("--lib"), List.of()),
                    LastTestRuns.key(ws, CargoSelection.of(), List.of("--lib")), "flags and test arguments are apart");
        }
        // Another process: this one's temporary roots keep what it added.
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            GarbageCollector.Result r = GarbageCollector.collect(store, new GcRoots(home), false, Long.MAX_VALUE, 0,
                    Clock.systemUTC());
            assertEquals(List.of(older), r.deleted(), "the replaced record's report is no root any more");
            assertTrue(store.isValid(full) && store.isValid(filtered));
        }
    }

    @Test
    void theReportsOfADeletedWorkspaceAreForgotten() throws Exception {
        StoreHome home = new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            StorePath kept = report(store, "kept");
            StorePath gone = report(store, "gone");
            Path ws = Files.createDirectories(dir.resolve("ws"));
            Path deleted = Files.createDirectories(dir.resolve("deleted"));
            LastTestRuns tests = new LastTestRuns(home);
            tests.record(ws, CargoSelection.of(), List.of(), List.of(kept), List.of(), T);
            tests.record(deleted, CargoSelection.of(), List.of(), List.of(gone), List.of(), T);
            Files.delete(deleted);
            assertEquals(1, tests.forgetDeletedWorkspaces());
            assertFalse(Files.exists(tests.dir(deleted, CargoSelection.of(), List.of())));
            assertTrue(new GcRoots(home).roots().containsValue(kept));
            assertFalse(new GcRoots(home).roots().containsValue(gone), "the deleted workspace's report is no root");
            assertEquals(0, tests.forgetDeletedWorkspaces());
        }
    }

    private static StorePath report(LocalStore store, String name) {
        return store.addText(name + "-run", name.getBytes(StandardCharsets.UTF_8), Set.of());
    }
}
