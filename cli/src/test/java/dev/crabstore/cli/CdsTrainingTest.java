package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.testkit.Corpus;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data-sharing training run really plans and really copies over HTTP (a part that failed would
 * only leave its classes out of the archive, silently).
 */
class CdsTrainingTest {
    @TempDir
    Path dir;

    @Test
    void plansTheExampleWorkspaceAndCopiesAPathFromAServer() throws Exception {
        Path ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        CdsTraining.Outcome o = CdsTraining.train(ws, dir.resolve("tmp"));
        assertEquals(new CdsTraining.Outcome(0, 0), o);
        try (LocalStore copied = LocalStore.open(StoreHome.fromEnvironment(Map.of("CRABSTORE_HOME",
                dir.resolve("tmp/copy").toString())), Clock.systemUTC())) {
            assertEquals(1, copied.database().allValidPaths().size(), "the path served was copied");
        }
    }
}
