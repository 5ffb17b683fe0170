package dev.crabstore.store.nar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our NAR bytes against real Nix's, in both directions. */
class NarInteropTest {
    @TempDir
    Path dir;

    NixOracle nix;

    @BeforeEach
    void oracle() {
        nix = NixOracle.create(dir.resolve("nix"));
    }

    static byte[] dump(Path p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarDumper.dump(p, out);
        return out.toByteArray();
    }

    @Test
    void edgeCaseTreeIsByteIdenticalToNixStoreDump() {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        byte[] ours = dump(tree);
        assertArrayEquals(nix.runOk("nix-store", "--dump", tree.toString()), ours);
        assertEquals(nix.runOkText("nix-hash", "--type", "sha256", "--base32", tree.toString()),
                NarDumper.digest(tree).narHash().toNix32());
        assertEquals(ours.length, NarDumper.digest(tree).narSize());
    }

    @Test
    void singleFilesAndSymlinksAtTheTop() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Path l = Files.createSymbolicLink(dir.resolve("l"), Path.of("/dangling"));
        Path e = Files.createDirectories(dir.resolve("e"));
        for (Path p : new Path[] {f, l, e}) {
            assertArrayEquals(nix.runOk("nix-store", "--dump", p.toString()), dump(p), p.toString());
        }
    }

    @Test
    void ourNarRestoredByNixDumpsBackIdentical() {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        byte[] ours = dump(tree);
        Path out = dir.resolve("restored-by-nix");
        nix.run(ours, "nix-store", "--restore", out.toString()).assertOk();
        assertArrayEquals(ours, nix.runOk("nix-store", "--dump", out.toString()));
    }

    @Test
    void nixNarRestoredByUsDumpsBackIdentical() {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        byte[] theirs = nix.runOk("nix-store", "--dump", tree.toString());
        Path out = dir.resolve("restored-by-us");
        NarRestorer.restore(new ByteArrayInputStream(theirs), out, "nix.nar");
        assertArrayEquals(theirs, dump(out));
        assertArrayEquals(theirs, nix.runOk("nix-store", "--dump", out.toString()));
    }

    @Test
    void restoreLeavesNothingBehindOnAnyTruncation() {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        byte[] nar = dump(tree);
        for (int cut : new int[] {0, 10, 100, nar.length / 2, nar.length - 1}) {
            Path out = dir.resolve("out");
            byte[] part = Arrays.copyOf(nar, cut);
            assertThrows(InvalidFormatException.class,
                    () -> NarRestorer.restore(new ByteArrayInputStream(part), out, "cut.nar"));
            assertFalse(Files.exists(out));
        }
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "only the tree and nix state: no temp dirs left");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void restoreRefusesAnExistingTarget() throws Exception {
        Path out = Files.createDirectories(dir.resolve("exists"));
        byte[] nar = dump(Files.writeString(dir.resolve("f"), "x"));
        assertThrows(StoreIOException.class, () -> NarRestorer.restore(new ByteArrayInputStream(nar), out, "f.nar"));
    }

    @Test
    void specialFilesAreRefused() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("special"));
        new ProcessBuilder("mkfifo", tree.resolve("fifo").toString()).start().waitFor();
        StoreIOException e = assertThrows(StoreIOException.class, () -> dump(tree));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("fifo"), e.getMessage());
    }

    @Test
    @Tag("slow")
    void largeFileStreamsAndMatchesNix() {
        Path big = TestTrees.largeFile(dir.resolve("big/file.bin"), 150L * 1024 * 1024 + 3, 1);
        Path tree = big.getParent();
        assertEquals(nix.runOkText("nix-hash", "--type", "sha256", "--base32", tree.toString()),
                NarDumper.digest(tree).narHash().toNix32());
    }
}
