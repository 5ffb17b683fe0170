package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The format commands give what the equivalent nix commands give, on the same inputs. */
class FormatCommandsNixTest {
    @TempDir
    Path dir;

    NixOracle nix;
    Path tree;

    @BeforeEach
    void setUp() {
        nix = NixOracle.create(dir.resolve("nix"));
        tree = TestTrees.edgeCases(dir.resolve("tree"));
    }

    @Test
    void narDumpEqualsNixStoreDump() {
        assertArrayEquals(nix.runOk("nix-store", "--dump", tree.toString()),
                CliRun.run("nar", "dump", tree.toString()).assertOk().stdout());
    }

    @Test
    void narDumpThroughTheFullCommandLineToo() {
        // "--" keeps the invocation off the fast path.
        assertArrayEquals(nix.runOk("nix-store", "--dump", tree.toString()),
                CliRun.run("nar", "dump", "--", tree.toString()).assertOk().stdout());
    }

    @Test
    void narDumpOfAMissingPathWritesNothing() {
        for (String[] args : new String[][] {{"nar", "dump", dir.resolve("missing").toString()},
                {"nar", "dump", "--", dir.resolve("missing").toString()}}) {
            CliRun r = CliRun.run(args);
            assertEquals(1, r.exitCode());
            assertEquals(0, r.stdout().length, "no partial NAR on stdout");
            assertTrue(r.stderr().contains("does not exist"), r.stderr());
        }
    }

    @Test
    void narRestoreOfNixDumpRoundTrips() {
        byte[] nar = nix.runOk("nix-store", "--dump", tree.toString());
        Path out = dir.resolve("restored");
        CliRun.run(nar, System.getenv(), "nar", "restore", out.toString()).assertOk();
        assertArrayEquals(nar, nix.runOk("nix-store", "--dump", out.toString()));
    }

    @Test
    void narRestoreOfGarbageFailsCleanly() {
        Path out = dir.resolve("restored");
        CliRun r = CliRun.run("not a nar".getBytes(), System.getenv(), "nar", "restore", out.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("malformed NAR"), r.stderr());
        assertFalse(Files.exists(out));
    }

    @Test
    void hashPathEqualsNixHash() {
        assertEquals("sha256:" + nix.runOkText("nix-hash", "--type", "sha256", "--base32", tree.toString()),
                CliRun.run("hash", "path", tree.toString()).assertOk().out().strip());
        assertEquals("sha256:" + nix.runOkText("nix-hash", "--type", "sha256", tree.toString()),
                CliRun.run("hash", "path", "--base16", tree.toString()).assertOk().out().strip());
        assertEquals(nix.runOkText("nix", "hash", "path", tree.toString()),
                CliRun.run("hash", "path", "--sri", tree.toString()).assertOk().out().strip());
        assertEquals("sha1:" + nix.runOkText("nix-hash", "--type", "sha1", "--base32", tree.toString()),
                CliRun.run("hash", "path", "--type", "sha1", tree.toString()).assertOk().out().strip());
    }

    @Test
    void hashFileEqualsNixHashFile() {
        Path f = tree.resolve("random.bin");
        assertEquals("sha256:" + nix.runOkText("nix", "hash", "file", "--base32", f.toString()),
                CliRun.run("hash", "file", f.toString()).assertOk().out().strip());
        assertEquals(nix.runOkText("nix", "hash", "file", "--type", "sha512", f.toString()),
                CliRun.run("hash", "file", "--sri", "--type", "sha512", f.toString()).assertOk().out().strip());
    }

    @Test
    void hashConvertEqualsNixToBase32() {
        String hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assertEquals("sha256:" + nix.runOkText("nix", "hash", "to-base32", "--type", "sha256", hex),
                CliRun.run("hash", "convert", "--to", "nix32", "--type", "sha256", hex).assertOk().out().strip());
        assertEquals(nix.runOkText("nix", "hash", "to-sri", "--type", "sha256", hex),
                CliRun.run("hash", "convert", "--type", "sha256", hex).assertOk().out().strip());
    }

    @Test
    void storeAddDryRunEqualsNix() {
        assertEquals(nix.runOkText("nix", "store", "add-path", "--dry-run", "--store", nix.dummyStore(),
                tree.toString()), CliRun.run("store", "add", "--dry-run", tree.toString()).assertOk().out().strip());
        assertEquals(nix.runOkText("nix", "store", "add-path", "--dry-run", "--store", nix.dummyStore(), "--name",
                "renamed-1.0", tree.toString()),
                CliRun.run("store", "add", "--dry-run", "--name", "renamed-1.0", tree.toString()).assertOk().out()
                        .strip());
        Path file = tree.resolve("a.txt");
        assertEquals(nix.runOkText("nix", "store", "add-path", "--dry-run", "--store", nix.dummyStore(),
                file.toString()), CliRun.run("store", "add", "--dry-run", file.toString()).assertOk().out().strip());
        // Another store dir.
        assertEquals(nix.runOkText("nix", "store", "add-path", "--dry-run", "--store", "dummy://?store=/nix/store",
                tree.toString()), CliRun.run(new byte[0], Map.of("CRABSTORE_STORE_DIR", "/nix/store"), "store", "add",
                "--dry-run", tree.toString()).assertOk().out().strip());
    }

    @Test
    void badInputGivesExitTwoAndAMessage() {
        CliRun r = CliRun.run("store", "add", "--dry-run", "--name", "bad name", tree.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("invalid character"), r.stderr());
        CliRun h = CliRun.run("hash", "convert", "sha256:nothex");
        assertEquals(2, h.exitCode());
    }
}
