package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.store.StoreIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpeningStoreTest {
    @TempDir
    Path dir;

    @Test
    void getGivesTheOpenStoreAndCloseClosesIt() {
        StoreHome home = new StoreHome(dir.resolve("home"), StoreDir.DEFAULT);
        LocalStore store;
        try (OpeningStore opening = OpeningStore.start(home, Clock.systemUTC())) {
            assertEquals(home, opening.home());
            store = opening.get();
            assertEquals(store, opening.get());
            assertTrue(Files.isDirectory(home.realStoreDir()));
            store.scratchRoot();
        }
        // Closed: its scratch directory is gone.
        assertTrue(Files.notExists(home.tempDir()) || home.tempDir().toFile().list().length == 0);
    }

    @Test
    void aFailureToOpenIsThrownByGetAsOpenThrewIt() throws Exception {
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        StoreHome home = new StoreHome(notADir.resolve("home"), StoreDir.DEFAULT);
        OpeningStore opening = OpeningStore.start(home, Clock.systemUTC());
        StoreIOException e = assertThrows(StoreIOException.class, opening::get);
        assertTrue(e.getMessage().contains("cannot create the store at " + home.root()), e.getMessage());
        opening.close(); // nothing to close, and no second report of the failure
    }
}
