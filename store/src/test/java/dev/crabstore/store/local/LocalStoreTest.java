package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoreTest {
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

    @TempDir
    Path dir;

    LocalStore open() {
        return LocalStore.open(new StoreHome(dir.resolve("home"), StoreDir.DEFAULT), CLOCK);
    }

    @Test
    void addPathGivesNixsPathAndAReadOnlyCopy() throws Exception {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        NixOracle nix = NixOracle.create(dir.resolve("nix"));
        try (LocalStore store = open()) {
            StorePath p = store.addPath(tree, "tree", x -> true);
            assertEquals(nix.runOkText("nix", "store", "add-path", "--dry-run", "--store", nix.dummyStore(),
                    "--name", "tree", tree.toString()), store.storeDir().print(p));
            PathInfo info = store.query(p).orElseThrow();
            assertEquals(CLOCK.instant().getEpochSecond(), info.registrationTime());
            assertEquals("fixed:r:" + info.narHash(), info.contentAddress().orElseThrow().toString());
            Path real = store.realPath(p);
            assertEquals("r--r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(real.resolve("a.txt"))));
            assertEquals("r-xr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(real.resolve("run.sh"))));
            // The copy hashes like the source, as nix sees it.
            assertEquals(nix.runOkText("nix-hash", "--type", "sha256", "--base32", real.toString()),
                    info.narHash().toNix32());
            // Adding again is a no-op.
            assertEquals(p, store.addPath(tree, "tree", x -> true));
        }
    }

    @Test
    void replaceContentsSwapsInOnlyATreeWithTheRegisteredNarHash() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(src.resolve("f"), "right");
        try (LocalStore store = open()) {
            StorePath p = store.addPath(src.getParent(), "t", x -> true);
            Path real = store.realPath(p);
            real.resolve("sub").toFile().setWritable(true);
            real.resolve("sub/f").toFile().setWritable(true);
            Files.writeString(real.resolve("sub/f"), "wrong");

            Path bad = Files.createDirectories(store.newTempDir("bad").resolve("out/sub"));
            Files.writeString(bad.resolve("f"), "also wrong");
            Exception refused = org.junit.jupiter.api.Assertions.assertThrows(dev.crabstore.store.StoreIOException.class,
                    () -> store.replaceContents(p, bad.getParent()));
            assertTrue(refused.getMessage().contains("the replacement has NAR hash"), refused.getMessage());
            assertEquals("wrong", Files.readString(real.resolve("sub/f")));

            Path good = Files.createDirectories(store.newTempDir("good").resolve("out/sub"));
            Files.writeString(good.resolve("f"), "right");
            store.replaceContents(p, good.getParent());
            assertEquals("right", Files.readString(real.resolve("sub/f")));
            assertFalse(Files.exists(good.getParent(), LinkOption.NOFOLLOW_LINKS));
            assertEquals(store.query(p).orElseThrow().narHash(),
                    dev.crabstore.store.nar.NarDumper.digest(real).narHash());
            // Nothing is left aside in the temp dir but the two scratch dirs made here.
            try (var s = Files.list(store.scratchRoot())) {
                assertTrue(s.allMatch(f -> f.getFileName().toString().matches("(bad|good)-.*")));
            }
        }
    }

    @Test
    void filtersEntries() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("crate"));
        Files.writeString(tree.resolve("lib.rs"), "fn x() {}");
        Files.createDirectories(tree.resolve("target/debug"));
        Files.writeString(tree.resolve("target/debug/junk"), "junk");
        try (LocalStore store = open()) {
            StorePath p = store.addPath(tree, "crate", x -> !x.getFileName().toString().equals("target"));
            assertFalse(Files.exists(store.realPath(p).resolve("target")));
            assertTrue(Files.exists(store.realPath(p).resolve("lib.rs")));
        }
    }

    /** A batch of text files is stored and registered exactly as adding them one by one would. */
    @Test
    void addTextsMatchesAddTextOneByOne() throws Exception {
        byte[] a = "a".getBytes(StandardCharsets.UTF_8);
        byte[] c = "c".getBytes(StandardCharsets.UTF_8);
        List<PathInfo> oneByOne = new java.util.ArrayList<>();
        StorePath pa;
        StorePath pb;
        try (LocalStore single = LocalStore.open(new StoreHome(dir.resolve("single"), StoreDir.DEFAULT), CLOCK)) {
            pa = single.addText("a.drv", a, Set.of());
            byte[] b = ("b uses " + single.storeDir().print(pa)).getBytes(StandardCharsets.UTF_8);
            pb = single.addText("b.drv", b, Set.of(pa));
            StorePath pc = single.addText("c.drv", c, Set.of());
            for (StorePath p : List.of(pa, pb, pc)) {
                oneByOne.add(single.query(p).orElseThrow());
            }
        }
        try (LocalStore store = open()) {
            StorePath already = store.addText("c.drv", c, Set.of());
            byte[] b = ("b uses " + store.storeDir().print(pa)).getBytes(StandardCharsets.UTF_8);
            List<StorePath> paths = store.addTexts(List.of(new LocalStore.Text("a.drv", a, Set.of()),
                    new LocalStore.Text("b.drv", b, Set.of(pa)), new LocalStore.Text("c.drv", c, Set.of())));
            assertEquals(List.of(pa, pb, already), paths);
            for (PathInfo want : oneByOne) {
                PathInfo got = store.query(want.path()).orElseThrow();
                assertEquals(want.narHash(), got.narHash());
                assertEquals(want.narSize(), got.narSize());
                assertEquals(want.references(), got.references());
                assertEquals(want.contentAddress(), got.contentAddress());
                assertEquals("r--r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(store.realPath(want.path()))));
            }
            assertEquals("b uses " + store.storeDir().print(pa), Files.readString(store.realPath(pb)));
            assertEquals(paths, store.addTexts(List.of(new LocalStore.Text("a.drv", a, Set.of()),
                    new LocalStore.Text("b.drv", b, Set.of(pa)), new LocalStore.Text("c.drv", c, Set.of()))));
        }
    }

    /** A batch with a reference that is neither valid nor earlier in it registers nothing. */
    @Test
    void addTextsIsAllOrNothing() throws Exception {
        try (LocalStore store = open()) {
            StorePath missing = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-missing.drv");
            byte[] ok = "fine".getBytes(StandardCharsets.UTF_8);
            byte[] bad = "refers".getBytes(StandardCharsets.UTF_8);
            org.junit.jupiter.api.Assertions.assertThrows(dev.crabstore.store.StoreIOException.class,
                    () -> store.addTexts(List.of(new LocalStore.Text("ok.drv", ok, Set.of()),
                            new LocalStore.Text("bad.drv", bad, Set.of(missing)))));
            StorePath okPath = store.storeDir().makeTextPath("ok.drv", dev.crabstore.core.hash.Hash.sha256(ok), Set.of());
            assertFalse(store.isValid(okPath));
        }
    }

    @Test
    void registersBuiltOutputsWithScannedReferences() throws Exception {
        try (LocalStore store = open()) {
            StorePath dep = store.addText("dep.txt", "dep".getBytes(StandardCharsets.UTF_8), Set.of());
            StorePath unrelated = store.addText("other.txt", "other".getBytes(StandardCharsets.UTF_8), Set.of());
            StorePath out = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-out");
            Path built = store.newTempDir("out").resolve("out");
            Files.createDirectories(built);
            Files.writeString(built.resolve("bin"), "uses " + store.storeDir().print(dep) + " and "
                    + store.storeDir().print(out) + "\n");
            try (PathLocks.PathLock l = store.locks().lock(out)) {
                PathInfo info = store.registerOutput(out, built, List.of(dep, unrelated), Optional.empty());
                assertEquals(Set.of(dep, out), info.references());
            }
            assertTrue(store.isValid(out));
            assertFalse(Files.exists(built));
            assertEquals("r-xr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(store.realPath(out))));
        }
    }

    @Test
    void leftoversOfAnInterruptedRunAreReplaced() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("t"));
        Files.writeString(tree.resolve("f"), "good");
        try (LocalStore store = open()) {
            StorePath p = store.storeDir().makeSourcePath("t",
                    dev.crabstore.store.nar.NarDumper.digest(tree).narHash(), List.of(), false);
            // A crash after the rename but before the commit leaves files without a row.
            Path real = store.realPath(p);
            Files.createDirectories(real);
            Files.writeString(real.resolve("f"), "half-written");
            assertFalse(store.isValid(p));
            assertEquals(p, store.addPath(tree, "t", x -> true));
            assertEquals("good", Files.readString(real.resolve("f")));
            assertTrue(Files.exists(real, LinkOption.NOFOLLOW_LINKS));
        }
    }
}
