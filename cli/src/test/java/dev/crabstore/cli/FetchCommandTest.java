package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code crabstore fetch}: a package's sources land in the store (the .crate verified and unpacked), nothing is
 * compiled, a second fetch finds them there, and the build that follows fetches nothing; a Cargo.lock checksum that
 * does not match the crate fails the fetch and registers nothing for it.
 */
class FetchCommandTest {
    @TempDir
    Path dir;

    Path workspace(String checksum) throws Exception {
        Path ws = dir.resolve("app");
        ItoaApp.write(ws, """
                [source.crates-io]
                replace-with = "corpus-local"
                [source.corpus-local]
                local-registry = "%s"
                """.formatted(Corpus.corpusDir().resolve("registry")), checksum, 42);
        return ws;
    }

    Map<String, String> env() {
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        return env;
    }

    List<String> storeNames() throws Exception {
        Path store = dir.resolve("home/store");
        if (!Files.isDirectory(store)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(store)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fetchesSourcesWithoutCompilingAndTheBuildFetchesNothing() throws Exception {
        Tools.require("cargo");
        Corpus.workspace("small"); // skips without the corpus registry
        Path ws = workspace(ItoaApp.CHECKSUM);
        CliRun first = CliRun.run(new byte[0], env(), "fetch", "--dir", ws.toString(), "--offline", "--locked")
                .assertOk();
        assertTrue(first.stderr().contains("Fetched package sources in"), first.stderr());
        assertTrue(first.stderr().contains("1 package downloaded or unpacked, 0 already in the store"), first.stderr());
        List<String> names = storeNames();
        assertTrue(names.stream().anyMatch(n -> n.endsWith("-itoa-1.0.1.crate")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.endsWith("-itoa-1.0.1-source")), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.endsWith("-itoa-1.0.1") || n.endsWith("-app-0.1.0-bin-app")),
                "nothing compiled: " + names);

        CliRun again = CliRun.run(new byte[0], env(), "fetch", "--dir", ws.toString(), "--offline", "--locked")
                .assertOk();
        assertTrue(again.stderr().contains("0 packages downloaded or unpacked, 1 already in the store"), again.stderr());

        Tools.require("bwrap");
        CliRun build = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--locked")
                .assertOk();
        // The two units compiled; the source's download and unpack were fresh.
        assertTrue(build.stderr().contains("2 built, 2 fresh"), build.stderr());
    }

    @Test
    void aChecksumMismatchFailsTheFetchAndRegistersNothingForTheCrate() throws Exception {
        Tools.require("cargo");
        Corpus.workspace("small");
        Path ws = workspace(ItoaApp.CHECKSUM.replace('a', 'b'));
        CliRun r = CliRun.run(new byte[0], env(), "fetch", "--dir", ws.toString(), "--offline", "--locked");
        assertEquals(2, r.exitCode(), "cargo refused the lockfile: " + r.stderr());
        assertTrue(r.stderr().contains("itoa"), r.stderr());
        assertFalse(storeNames().stream().anyMatch(n -> n.contains("itoa-1.0.1")), storeNames().toString());
    }
}
