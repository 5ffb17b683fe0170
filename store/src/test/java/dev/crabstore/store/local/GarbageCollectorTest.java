package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
    @TempDir
    Path dir;

    StoreHome home() {
        return new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
    }

    StorePath text(LocalStore s, String name, String body, Set<StorePath> refs) {
        return s.addText(name, body.getBytes(StandardCharsets.UTF_8), refs);
    }

    @Test
    void keepsWhatRootsReachAndDeletesTheRest() throws Exception {
        GcRoots roots = new GcRoots(home());
        StorePath a;
        StorePath b;
        StorePath c;
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            a = text(s, "a", "a", Set.of());
            b = text(s, "b", "refers to " + s.storeDir().print(a), Set.of(a));
            c = text(s, "c", "c", Set.of());
            roots.addRoot(dir.resolve("project/result"), b);
        }
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            GarbageCollector.Result dry = GarbageCollector.collect(s, roots, true, Long.MAX_VALUE, 0, Clock.systemUTC());
            assertEquals(List.of(c), dry.deleted());
            assertTrue(s.isValid(c), "a dry run deletes nothing");
            GarbageCollector.Result r = GarbageCollector.collect(s, roots, false, Long.MAX_VALUE, 0, Clock.systemUTC());
            assertEquals(List.of(c), r.deleted());
            assertFalse(s.isValid(c));
            assertFalse(Files.exists(s.realPath(c)));
            assertTrue(s.isValid(a) && s.isValid(b));
            // The root's link resolves to the real path.
            assertEquals("refers to " + s.storeDir().print(a), Files.readString(dir.resolve("project/result")));
            Files.delete(dir.resolve("project/result"));
            GarbageCollector.Result all = GarbageCollector.collect(s, roots, false, Long.MAX_VALUE, 0,
                    Clock.systemUTC());
            assertEquals(List.of(b, a), all.deleted(), "referrers first");
            assertEquals(List.of(), s.database().allValidPaths());
        }
    }

    @Test
    void temporaryRootsOfRunningProcessesAreKept() {
        GcRoots roots = new GcRoots(home());
        try (LocalStore builder = LocalStore.open(home(), Clock.systemUTC());
                LocalStore gc = LocalStore.open(home(), Clock.systemUTC())) {
            StorePath fresh = text(builder, "just-built", "x", Set.of());
            GarbageCollector.collect(gc, roots, false, Long.MAX_VALUE, 0, Clock.systemUTC());
            assertTrue(gc.isValid(fresh), "the builder's temporary root protects it");
            builder.close();
            GarbageCollector.collect(gc, roots, false, Long.MAX_VALUE, 0, Clock.systemUTC());
            assertFalse(gc.isValid(fresh), "once the builder is gone, so is its root");
        }
    }

    @Test
    void leftoversAreDeletedUnlessSomeoneIsBuildingThem() throws Exception {
        GcRoots roots = new GcRoots(home());
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            StorePath half = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-half");
            StorePath busy = StorePath.parseBaseName("3y7fdghfqlqpighk6301diwn76hyhx6w-busy");
            Files.createDirectories(s.realPath(half));
            Files.createDirectories(s.realPath(busy));
            try (PathLocks.PathLock l = s.locks().lock(busy)) {
                GarbageCollector.Result r = GarbageCollector.collect(s, roots, false, Long.MAX_VALUE, 0,
                        Clock.systemUTC());
                assertEquals(1, r.leftoversDeleted());
                assertFalse(Files.exists(s.realPath(half)));
                assertTrue(Files.exists(s.realPath(busy)));
            }
        }
    }

    @Test
    void maxFreedAndAgeLimitTheCollection() {
        GcRoots roots = new GcRoots(home());
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            text(s, "one", "1", Set.of());
            text(s, "two", "2", Set.of());
        }
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            GarbageCollector.Result young = GarbageCollector.collect(s, roots, false, Long.MAX_VALUE, 3600,
                    Clock.systemUTC());
            assertEquals(List.of(), young.deleted(), "nothing is an hour old");
            GarbageCollector.Result one = GarbageCollector.collect(s, roots, false, 1, 0, Clock.systemUTC());
            assertEquals(1, one.deleted().size());
        }
    }


    /**
     * var/locks used to grow by one file per path ever locked. gc deletes those of invalid paths nobody holds; a lock
     * held (here or by another process) and those of valid paths are kept.
     */
    @Test
    void deletesLockFilesOfInvalidPathsNobodyHolds() throws Exception {
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            StorePath valid = text(s, "valid", "valid", Set.of());
            List<StorePath> done = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                StorePath p = s.storeDir().makeOutputPath("out", dev.crabstore.core.hash.Hash.sha256("drv " + i),
                        "unit-" + i);
                s.locks().lock(p).close(); // as a build that failed, or whose output gc collected since
                done.add(p);
            }
            StorePath heldHere = done.remove(0);
            StorePath heldElsewhere = done.remove(0);
            Path locks = home().locksDir();
            Process other = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'w')\n"
                    + "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True)\nsys.stdin.readline()",
                    locks.resolve(heldElsewhere.hashPart() + ".lock").toString()).start();
            try (PathLocks.PathLock l = s.locks().lock(heldHere)) {
                assertEquals("held", new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream()))
                        .readLine());
                GarbageCollector.Result r = GarbageCollector.collect(s, new GcRoots(home()), false, Long.MAX_VALUE,
                        0, Clock.systemUTC());
                assertEquals(done.size(), r.lockFilesDeleted(), "counted");
                for (StorePath p : done) {
                    assertFalse(Files.exists(locks.resolve(p.hashPart() + ".lock")), p + "'s lock file is deleted");
                }
                for (StorePath p : List.of(valid, heldHere, heldElsewhere)) {
                    assertTrue(Files.exists(locks.resolve(p.hashPart() + ".lock")), p + "'s lock file is kept");
                }
            } finally {
                other.destroyForcibly().waitFor();
            }
            GarbageCollector.Result released = GarbageCollector.collect(s, new GcRoots(home()), false,
                    Long.MAX_VALUE, 0, Clock.systemUTC());
            assertEquals(2, released.lockFilesDeleted());
            try (var left = Files.list(locks)) {
                assertEquals(List.of(valid.hashPart() + ".lock"), left.map(f -> f.getFileName().toString()).toList(),
                        "released, they go too");
            }
        }
    }

    /** The kept diagnostics of a .drv gc deleted go with it (var/log grew by a file per unit built with warnings). */
    @Test
    void deletesTheKeptDiagnosticsOfDeletedDerivations() throws Exception {
        dev.crabstore.store.build.Diagnostics warning = dev.crabstore.store.build.Diagnostics.parse(
                "{\"$message_type\":\"diagnostic\",\"message\":\"unused\",\"level\":\"warning\","
                        + "\"spans\":[],\"children\":[],\"code\":null,\"rendered\":\"warning: unused\\n\"}\n");
        StorePath kept;
        StorePath gone;
        dev.crabstore.store.build.DiagnosticLogs logs = new dev.crabstore.store.build.DiagnosticLogs(home().logDir());
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            kept = text(s, "kept.drv", "Derive()", Set.of());
            gone = text(s, "gone.drv", "Derive([])", Set.of());
            new GcRoots(home()).addRoot(dir.resolve("root"), kept);
            logs.write(kept, warning);
            logs.write(gone, warning);
        }
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            Path shard = home().logDir().resolve(gone.baseName().substring(0, 2));
            Path staleTmp = Files.writeString(shard.resolve(".tmp-1"), "x");
            Files.setLastModifiedTime(staleTmp, java.nio.file.attribute.FileTime.fromMillis(0));
            Path freshTmp = Files.writeString(shard.resolve(".tmp-2"), "x"); // a write in progress
            GarbageCollector.Result r = GarbageCollector.collect(s, new GcRoots(home()), false, Long.MAX_VALUE, 0,
                    Clock.systemUTC());
            assertEquals(List.of(gone), r.deleted());
            assertEquals(2, r.logsDeleted(), "gone's log and the stale temporary file");
            assertFalse(logs.read(kept).isEmpty(), "a valid .drv keeps its log");
            assertTrue(logs.read(gone).isEmpty());
            assertFalse(Files.exists(staleTmp));
            assertTrue(Files.exists(freshTmp));
        }
    }
}
