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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What another process leaves in the store while it lives, and after it is killed. */
class StoreRecoveryTest {
    static final StorePath HALF = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-half");

    @TempDir
    Path dir;

    StoreHome home() {
        return new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
    }

    /**
     * The scratch dir of a live process survives the collector and other processes opening the store (gc used to
     * leave var/tmp alone, so a killed build's scratch dirs stayed forever); once the process is killed, the next
     * command that opens the store deletes it, the tree it had moved in but not registered, and its roots file.
     */
    @Test
    void aLiveProcessKeepsItsScratchAndAKilledOneLeavesNothing() throws Exception {
        StorePath kept;
        try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
            kept = s.addText("kept", "kept".getBytes(StandardCharsets.UTF_8), Set.of());
        }
        new GcRoots(home()).addRoot(dir.resolve("result"), kept);
        StoreUserProcess.Started user = StoreUserProcess.start(home().root(), HALF);
        try {
            try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
                assertEquals(0, s.recoveredAtOpen().deadProcesses());
                GarbageCollector.Result r = GarbageCollector.collect(s, new GcRoots(home()), false, Long.MAX_VALUE,
                        0, Clock.systemUTC());
                assertEquals(List.of(), r.deleted());
                assertEquals(0, r.leftoversDeleted());
                assertTrue(Files.exists(user.scratch().resolve("half-built")), "a running build's scratch is kept");
                assertTrue(Files.exists(s.realPath(HALF).resolve("sub/file")), "a path being added is kept");
                assertEquals(List.of(), StoreVerifier.verify(s, true), "a path being added is no problem yet");
            }
            user.process().destroyForcibly();
            assertTrue(user.process().waitFor(30, TimeUnit.SECONDS));
            try (LocalStore s = LocalStore.open(home(), Clock.systemUTC())) {
                assertEquals(new StoreRecovery.Result(1, 1, 1), s.recoveredAtOpen());
                assertFalse(Files.exists(user.scratch()));
                assertFalse(Files.exists(s.realPath(HALF)));
                assertTrue(s.isValid(kept) && Files.exists(s.realPath(kept)));
                assertEquals(List.of(), StoreVerifier.verify(s, true));
                try (var roots = Files.list(TempRoots.dir(home()))) {
                    assertEquals(List.of(s.scratchRoot().getFileName().toString()),
                            roots.map(f -> f.getFileName().toString()).toList(), "only this process's roots file");
                }
            }
        } finally {
            user.process().destroyForcibly();
        }
    }
}
