package dev.crabstore.store.nar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.testkit.TestTrees;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NarRestorer#restoreCanonical}: in place, with a store path's metadata from the start. */
class NarRestorerCanonicalTest {
    @TempDir
    Path dir;

    static byte[] dump(Path p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarDumper.dump(p, out);
        return out.toByteArray();
    }

    /** Type, mode and mtime of every entry under {@code root}, by relative path. */
    static Map<String, String> metadata(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String kind = a.isSymbolicLink() ? "link" : a.isDirectory() ? "dir" : "file";
                // A link's mode is always 0777 on Linux; only its mtime is canonicalised.
                String mode = a.isSymbolicLink() ? "" : PosixFilePermissions.toString(a.permissions());
                out.put(root.relativize(p).toString(), kind + " " + mode + " " + a.lastModifiedTime().toMillis());
            }
        }
        return out;
    }

    @Test
    void givesTheTreeExactlyTheMetadataCanonicalisingGives() throws IOException {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        byte[] nar = dump(tree);
        Path canonical = dir.resolve("canonical");
        NarRestorer.restoreCanonical(new ByteArrayInputStream(nar), canonical, "t.nar");
        Path reference = dir.resolve("reference");
        NarRestorer.restore(new ByteArrayInputStream(nar), reference, "t.nar");
        Canonicaliser.canonicalise(reference);
        assertArrayEquals(nar, dump(canonical));
        Map<String, String> got = metadata(canonical);
        assertEquals(metadata(reference), got);
        for (Map.Entry<String, String> e : got.entrySet()) {
            String v = e.getValue();
            assertEquals(1000, Long.parseLong(v.substring(v.lastIndexOf(' ') + 1)), e.getKey());
            if (v.startsWith("dir ")) {
                assertEquals("dir r-xr-xr-x", v.substring(0, v.lastIndexOf(' ')), e.getKey());
            } else if (v.startsWith("file ")) {
                String mode = v.substring(5, v.lastIndexOf(' '));
                assertEquals(true, mode.equals("r--r--r--") || mode.equals("r-xr-xr-x"), e.getKey() + ": " + v);
            }
        }
        assertEquals(true, got.values().stream().anyMatch(v -> v.startsWith("file r-xr-xr-x")), "has executables");
        assertEquals(true, got.values().stream().anyMatch(v -> v.startsWith("link")), "has links");
    }

    @Test
    void aSingleFileOrLinkAtTheTop() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        Path l = Files.createSymbolicLink(dir.resolve("l"), Path.of("/dangling"));
        for (Path p : List.of(f, l)) {
            byte[] nar = dump(p);
            Path out = dir.resolve("out-" + p.getFileName());
            NarRestorer.restoreCanonical(new ByteArrayInputStream(nar), out, "x.nar");
            assertArrayEquals(nar, dump(out));
            assertEquals(1000, Files.getLastModifiedTime(out, LinkOption.NOFOLLOW_LINKS).toMillis());
        }
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("out-f"))));
    }

    @Test
    void leavesNothingAtTheTargetOnAnyTruncation() throws IOException {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        byte[] nar = dump(tree);
        Path parent = Files.createDirectories(dir.resolve("store"));
        for (int cut : new int[] {0, 10, 100, nar.length / 2, nar.length - 1}) {
            byte[] part = Arrays.copyOf(nar, cut);
            Path out = parent.resolve("out");
            assertThrows(InvalidFormatException.class,
                    () -> NarRestorer.restoreCanonical(new ByteArrayInputStream(part), out, "cut.nar"));
            assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS), "cut at " + cut);
            try (Stream<Path> s = Files.list(parent)) {
                assertEquals(0, s.count(), "nothing else left either");
            }
        }
    }

    @Test
    void refusesAnExistingTarget() throws IOException {
        Path out = Files.createDirectories(dir.resolve("exists"));
        byte[] nar = dump(Files.writeString(dir.resolve("f"), "x"));
        assertThrows(StoreIOException.class,
                () -> NarRestorer.restoreCanonical(new ByteArrayInputStream(nar), out, "f.nar"));
        assertEquals(true, Files.isDirectory(out), "left as it was");
    }
}
