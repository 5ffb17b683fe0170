package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
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

/** The record of a workspace's last build: what why-rebuild compares with, its root derivations kept from GC. */
class LastBuildsTest {
    @TempDir
    Path dir;

    @Test
    void aBuildIsRecordedPerSelectionAndItsRootsAreGcRoots() throws Exception {
        StoreHome home = new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            StorePath unit = store.addText("util-0.1.0.drv", "Derive(util)".getBytes(StandardCharsets.UTF_8), Set.of());
            StorePath root = store.addText("app-0.1.0.drv", ("Derive(" + store.storeDir().print(unit) + ")")
                    .getBytes(StandardCharsets.UTF_8), Set.of(unit));
            Path ws = dir.resolve("ws");
            LastBuilds builds = new LastBuilds(home);
            CargoSelection dev = CargoSelection.of("--offline");
            Instant t = Instant.parse("2026-12-06T12:00:00Z");
            builds.record(ws, dev, List.of(root), List.of(unit, root), t);

            LastBuilds.Record r = builds.read(ws, CargoSelection.of()).orElseThrow(); // --offline is not in the key
            assertEquals(ws.toString(), r.workspace());
            assertEquals(List.of("--offline"), r.selection());
            assertEquals(t, r.time());
            assertEquals(List.of(root), r.roots());
            assertEquals(List.of(unit, root), r.units());
            assertTrue(builds.read(ws, CargoSelection.of("--release")).isEmpty());
            assertNotEquals(LastBuilds.key(ws, dev), LastBuilds.key(dir.resolve("other"), dev));
            assertTrue(new GcRoots(home).roots().containsValue(root), "the root derivation is a GC root");

            // The next build of the selection replaces the record and its roots.
            builds.record(ws, dev, List.of(unit), List.of(unit), t.plusSeconds(60));
            assertEquals(List.of(unit), builds.read(ws, dev).orElseThrow().units());
            assertTrue(!new GcRoots(home).roots().containsValue(root), "the old root is no longer protected");
        }
    }

    @Test
    void aDamagedRecordIsAnErrorNamingItsFile() throws Exception {
        StoreHome home = new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
        LastBuilds builds = new LastBuilds(home);
        Path ws = dir.resolve("ws");
        Path file = builds.dir(ws, CargoSelection.of()).resolve("build");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "crabstore-last-build-v1\nworkspace\t/ws\ntime\tyesterday\n");
        InvalidFormatException e = assertThrows(InvalidFormatException.class, () -> builds.read(ws, CargoSelection.of()));
        assertTrue(e.getMessage().contains(file + ": line 3 is malformed"), e.getMessage());
        Files.writeString(file, "something else\n");
        e = assertThrows(InvalidFormatException.class, () -> builds.read(ws, CargoSelection.of()));
        assertTrue(e.getMessage().contains("not a crabstore last-build record"), e.getMessage());
    }

    /** Deleting a checkout frees what its last build kept, as deleting its target/ does (gc forgets the record). */
    @Test
    void theLastBuildOfADeletedWorkspaceIsForgotten() throws Exception {
        StoreHome home = new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            StorePath kept = store.addText("kept.drv", "Derive(kept)".getBytes(StandardCharsets.UTF_8), Set.of());
            StorePath gone = store.addText("gone.drv", "Derive(gone)".getBytes(StandardCharsets.UTF_8), Set.of());
            Path ws = Files.createDirectories(dir.resolve("ws"));
            Path deleted = Files.createDirectories(dir.resolve("deleted"));
            LastBuilds builds = new LastBuilds(home);
            Instant t = Instant.parse("2026-12-06T12:00:00Z");
            builds.record(ws, CargoSelection.of(), List.of(kept), List.of(kept), t);
            builds.record(deleted, CargoSelection.of(), List.of(gone), List.of(gone), t);
            Files.delete(deleted);
            assertEquals(1, builds.forgetDeletedWorkspaces());
            assertTrue(builds.read(deleted, CargoSelection.of()).isEmpty());
            assertTrue(builds.read(ws, CargoSelection.of()).isPresent());
            assertTrue(new GcRoots(home).roots().containsValue(kept));
            assertTrue(!new GcRoots(home).roots().containsValue(gone), "the deleted workspace's root is gone");
            assertEquals(0, builds.forgetDeletedWorkspaces());
        }
    }
}
