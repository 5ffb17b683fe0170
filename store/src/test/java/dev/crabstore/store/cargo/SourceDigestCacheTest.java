package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceDigestCacheTest {
    @TempDir
    Path dir;
    Path tree;
    Path cacheDir;
    final Predicate<Path> all = p -> !p.getFileName().toString().equals("target");
    // Files written by a test are seconds old for a cache whose clock runs this far ahead (their ctime is now).
    final long ahead = 10_000;

    @BeforeEach
    void setUp() throws Exception {
        tree = Files.createDirectories(dir.resolve("pkg/src"));
        Files.writeString(tree.resolve("lib.rs"), "pub fn f() {}\n");
        Files.writeString(tree.resolve("main.rs"), "fn main() {}\n");
        Files.createDirectories(dir.resolve("pkg/target"));
        Files.writeString(dir.resolve("pkg/target/junk"), "ignored\n");
        tree = dir.resolve("pkg");
        cacheDir = dir.resolve("cache");
    }

    private SourceDigestCache cache() {
        return new SourceDigestCache(cacheDir, () -> System.currentTimeMillis() + ahead);
    }

    private Path only() throws Exception {
        try (var s = Files.list(cacheDir)) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), files.toString());
            return files.get(0);
        }
    }

    /** Replaces the recorded digest: a later lookup that returns it did not hash the tree. */
    private NarDigest plantFakeDigest() throws Exception {
        Path f = only();
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(f));
        NarDigest fake = new NarDigest(Hash.sha256("not the tree"), 12345);
        lines.set(2, fake.narHash().toString());
        lines.set(3, "12345");
        Files.write(f, lines);
        return fake;
    }

    @Test
    void anUnchangedTreeIsNotHashedAgain() throws Exception {
        NarDigest d = cache().digest(tree, "path-package", all);
        assertEquals(NarDumper.digest(tree, all), d);
        NarDigest fake = plantFakeDigest();
        assertEquals(fake, cache().digest(tree, "path-package", all));
    }

    @Test
    void aFilterOfItsOwnHasItsOwnEntry() throws Exception {
        cache().digest(tree, "path-package", all);
        plantFakeDigest();
        assertEquals(NarDumper.digest(tree, p -> true), cache().digest(tree, "everything", p -> true));
    }

    @Test
    void anEditIsSeen() throws Exception {
        cache().digest(tree, "path-package", all);
        plantFakeDigest();
        Files.writeString(tree.resolve("src/lib.rs"), "pub fn g() {}\n");
        assertEquals(NarDumper.digest(tree, all), cache().digest(tree, "path-package", all));
    }

    @Test
    void aFileOfTheSameSizeAndMtimeButAnotherInodeIsHashedAgain() throws Exception {
        Path lib = tree.resolve("src/lib.rs");
        FileTime mtime = Files.getLastModifiedTime(lib);
        cache().digest(tree, "path-package", all);
        plantFakeDigest();
        // An editor's save: a new file renamed over the old one, same size, its mtime set back.
        Path tmp = tree.resolve("src/.lib.rs.swp");
        Files.writeString(tmp, "pub fn h() {}\n");
        Files.setLastModifiedTime(tmp, mtime);
        Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertEquals(Files.size(lib), "pub fn f() {}\n".length());
        assertEquals(mtime, Files.getLastModifiedTime(lib));
        NarDigest d = cache().digest(tree, "path-package", all);
        assertEquals(NarDumper.digest(tree, all), d);
    }

    @Test
    void aModeChangeIsSeen() throws Exception {
        cache().digest(tree, "path-package", all);
        plantFakeDigest();
        Files.setPosixFilePermissions(tree.resolve("src/main.rs"), PosixFilePermissions.fromString("rwxr-xr-x"));
        NarDigest d = cache().digest(tree, "path-package", all);
        assertEquals(NarDumper.digest(tree, all), d);
    }

    @Test
    void anAddedOrRemovedFileIsSeen() throws Exception {
        cache().digest(tree, "path-package", all);
        plantFakeDigest();
        Files.writeString(tree.resolve("src/new.rs"), "\n");
        assertEquals(NarDumper.digest(tree, all), cache().digest(tree, "path-package", all));
        plantFakeDigest();
        Files.delete(tree.resolve("src/new.rs"));
        assertEquals(NarDumper.digest(tree, all), cache().digest(tree, "path-package", all));
    }

    @Test
    void whatTheFilterLeavesOutDoesNotCount() throws Exception {
        cache().digest(tree, "path-package", all);
        NarDigest fake = plantFakeDigest();
        Files.writeString(tree.resolve("target/junk"), "rebuilt\n");
        assertEquals(fake, cache().digest(tree, "path-package", all));
    }

    @Test
    void aTreeModifiedWithinTheRacyWindowIsNotRecorded() throws Exception {
        // The clock is now: every file was just written, so a second write in the same timestamp tick could go unseen.
        SourceDigestCache now = new SourceDigestCache(cacheDir, System::currentTimeMillis);
        assertEquals(NarDumper.digest(tree, all), now.digest(tree, "path-package", all));
        assertFalse(Files.exists(cacheDir) && Files.list(cacheDir).findAny().isPresent());
        // One file too fresh is enough.
        cache().digest(tree, "path-package", all);
        Files.delete(only());
        Files.setLastModifiedTime(tree.resolve("src/main.rs"), FileTime.fromMillis(System.currentTimeMillis() + ahead));
        cache().digest(tree, "path-package", all);
        assertFalse(Files.list(cacheDir).findAny().isPresent());
    }

    @Test
    void aCorruptOrTruncatedEntryIsIgnoredAndReplaced() throws Exception {
        NarDigest real = cache().digest(tree, "path-package", all);
        Path f = only();
        String head = "crabstore-source-digest-v2\n" + tree.toAbsolutePath().normalize() + "\n";
        for (String bad : List.of("", head + "sha256:nonsense\n12\n" + String.join("\n",
                Files.readAllLines(f).subList(4, Files.readAllLines(f).size())) + "\n", "garbage\n\u0000\u00ff")) {
            Files.writeString(f, bad);
            assertEquals(real, cache().digest(tree, "path-package", all), bad);
            assertTrue(Files.readString(f).startsWith(head + real.narHash() + "\n"));
        }
    }

    @Test
    void theEntryIsReplacedAtomicallyAndLeavesNoTemporaryFile() throws Exception {
        cache().digest(tree, "path-package", all);
        Files.writeString(tree.resolve("src/lib.rs"), "pub fn changed() {}\n");
        NarDigest d = cache().digest(tree, "path-package", all);
        assertEquals(NarDumper.digest(tree, all), d);
        assertEquals(d.narHash().toString(), Files.readAllLines(only()).get(2)); // only() also: no .tmp file left
    }

    @Test
    void forgetsTheEntriesOfDeletedTreesAndUnreadableOnes() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("a.rs"), "\n");
        cache().digest(tree, "all", all);
        cache().digest(other, "all", all);
        Files.writeString(cacheDir.resolve("0123456789abcdef0123456789abcdef01234567"), "crabstore-source-digest-v1\n");
        Files.delete(other.resolve("a.rs"));
        Files.delete(other);
        assertEquals(2, cache().forgetDeletedTrees(), "the deleted tree's entry and the old-format one");
        only(); // the live tree's entry is kept
        assertEquals(0, cache().forgetDeletedTrees());
        assertEquals(NarDumper.digest(tree, all), cache().digest(tree, "all", all));
    }
}
