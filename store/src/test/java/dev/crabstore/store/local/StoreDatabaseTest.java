package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreDatabaseTest {
    static final StorePath A = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-a");
    static final StorePath B = StorePath.parseBaseName("3y7fdghfqlqpighk6301diwn76hyhx6w-b");

    @TempDir
    Path dir;

    @Test
    void registersWithReferencesAndSurvivesReopen() {
        Path db = dir.resolve("db.sqlite");
        try (StoreDatabase d = StoreDatabase.open(db)) {
            d.register(PathInfo.of(A, Hash.sha256("a"), 10, new TreeSet<>()).withRegistrationTime(5));
            d.register(PathInfo.of(B, Hash.sha256("b"), 20, new TreeSet<>(Set.of(A, B)))
                    .withSignature("k:sig").withDeriver(StorePath.parseBaseName("dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-b.drv")));
        }
        try (StoreDatabase d = StoreDatabase.open(db)) {
            assertTrue(d.isValid(A));
            PathInfo b = d.query(B).orElseThrow();
            assertEquals(Set.of(A, B), b.references());
            assertEquals(Set.of("k:sig"), b.signatures());
            assertEquals("dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-b.drv", b.deriver().orElseThrow().baseName());
            assertEquals(Hash.sha256("b"), b.narHash());
            assertEquals(Set.of(B), d.referrers(A));
            // A is referenced by B, so it cannot go first.
            assertThrows(StoreIOException.class, () -> d.invalidate(A));
            d.invalidate(B);
            d.invalidate(A);
            assertFalse(d.isValid(A));
        }
    }

    @Test
    void findsPathsByHashPartAndGivesARegisteredAgainPathANewRowId() {
        try (StoreDatabase d = StoreDatabase.open(dir.resolve("db.sqlite"))) {
            d.register(PathInfo.of(A, Hash.sha256("a"), 10, new TreeSet<>()));
            d.register(PathInfo.of(B, Hash.sha256("b"), 20, new TreeSet<>()));
            StoreDatabase.ValidRow a = d.queryPathFromHashPart(A.hashPart()).orElseThrow();
            assertEquals(A, a.path());
            assertEquals(B, d.queryPathFromHashPart(B.hashPart()).orElseThrow().path());
            // A hash part that sorts between the two, or after both, names nothing.
            assertEquals(java.util.Optional.empty(), d.queryPathFromHashPart("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxd"));
            assertEquals(java.util.Optional.empty(), d.queryPathFromHashPart("z".repeat(32)));
            d.invalidate(A);
            assertEquals(java.util.Optional.empty(), d.queryPathFromHashPart(A.hashPart()));
            d.register(PathInfo.of(A, Hash.sha256("a2"), 11, new TreeSet<>()));
            assertTrue(d.queryPathFromHashPart(A.hashPart()).orElseThrow().id() != a.id());
        }
    }

    @Test
    void refusesAMissingReference() {
        try (StoreDatabase d = StoreDatabase.open(dir.resolve("db.sqlite"))) {
            assertThrows(StoreIOException.class,
                    () -> d.register(PathInfo.of(B, Hash.sha256("b"), 20, new TreeSet<>(Set.of(A)))));
            // Nothing half-registered.
            assertFalse(d.isValid(B));
        }
    }

    @Test
    void registersFromManyThreadsAtOnce() throws Exception {
        // A parallel build registers outputs from several threads through one store (this failed with
        // "database in auto-commit mode" before the methods were synchronised).
        try (StoreDatabase d = StoreDatabase.open(dir.resolve("db.sqlite"))) {
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            java.util.List<Throwable> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            for (int t = 0; t < 4; t++) {
                int base = t;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            String hash = dev.crabstore.core.hash.Hash.sha256(base + "-" + i).toNix32().substring(0, 32);
                            d.register(PathInfo.of(StorePath.parseBaseName(hash + "-p"), Hash.sha256("x"), 1,
                                    new TreeSet<>()));
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            assertEquals(java.util.List.of(), errors);
            assertEquals(200, d.allValidPaths().size());
        }
    }
}
