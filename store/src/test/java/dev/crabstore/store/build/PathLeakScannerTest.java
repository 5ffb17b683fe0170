package dev.crabstore.store.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathLeakScannerTest {
    private static final List<String> PREFIXES = List.of("/build", "/home/alice/src/ws/", "/tmp/");

    @TempDir
    Path dir;

    @Test
    void findsPathsWithTheirOffsetsAndIgnoresSlashesInsideNames() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("a"), "/build/src/lib.rs x-/tmp/no store-home/alice /tmp/yes\0/build");
        List<PathLeakScanner.Leak> leaks = new PathLeakScanner(PREFIXES).scan(out);
        assertEquals(List.of("a at byte 0: /build/src/lib.rs", "a at byte 45: /tmp/yes"),
                leaks.stream().map(Object::toString).toList());
    }

    @Test
    void findsSymlinkTargets() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createSymbolicLink(out.resolve("l"), Path.of("/home/alice/src/ws/target"));
        assertEquals(List.of("l (symlink) at byte 0: /home/alice/src/ws/target"),
                new PathLeakScanner(PREFIXES).scan(out).stream().map(Object::toString).toList());
    }

    /**
     * A path some input already holds (a string literal, a doc comment of a dependency) is not the build's doing:
     * {@code notIn} keeps only the others, also when the text straddles two of its read chunks.
     */
    @Test
    void pathsTheInputsHoldAreNotLeaks() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("lib.rlib"), "doc: /tmp/foo/bar/baz; built in /build/ws/src; /tmp/far\"");
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(src.resolve("lib.rs"), "/// see /tmp/foo/bar/baz for an example");
        byte[] big = new byte[(1 << 20) + 5];
        java.util.Arrays.fill(big, (byte) 'x');
        byte[] far = "/tmp/far".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(far, 0, big, (1 << 20) - 3, far.length); // across the first chunk's end
        Path dep = Files.createDirectories(dir.resolve("dep"));
        Files.write(dep.resolve("libdep.rmeta"), big);
        List<PathLeakScanner.Leak> leaks = new PathLeakScanner(PREFIXES).scan(out);
        assertEquals(3, leaks.size(), leaks.toString());
        assertEquals(List.of("lib.rlib at byte 32: /build/ws/src;"), PathLeakScanner.notIn(leaks,
                List.of(dir.resolve("src"), dep)).stream().map(Object::toString).toList());
        assertEquals(leaks, PathLeakScanner.notIn(leaks, List.of()));
    }

    /** Paths straddling the scanner's read buffer, and random binary data, against a plain search. */
    @Test
    void agreesWithANaiveSearchAcrossBufferBoundaries() throws IOException {
        Random random = new Random(7);
        for (int round = 0; round < 12; round++) {
            byte[] data = new byte[(1 << 20) * 2 + random.nextInt(5000)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) "ab/-.\0tmpbuildhome/".charAt(random.nextInt(19));
            }
            // Plant paths around the 1 MiB boundaries and at the end.
            int[] at = {(1 << 20) - 3, (1 << 20) - 1, (1 << 20), (2 << 20) - 10, data.length - 5};
            for (int k = 0; k < at.length; k++) {
                byte[] p = PREFIXES.get(k % PREFIXES.size()).getBytes(StandardCharsets.US_ASCII);
                int pos = Math.max(0, Math.min(at[k] - random.nextInt(4), data.length - p.length));
                System.arraycopy(p, 0, data, pos, p.length);
                if (pos > 0) {
                    data[pos - 1] = ' ';
                }
            }
            Path out = Files.createDirectories(dir.resolve("r" + round));
            Files.write(out.resolve("f"), data);
            List<Long> want = naive(data);
            List<Long> got = new PathLeakScanner(PREFIXES).scan(out).stream().map(PathLeakScanner.Leak::offset)
                    .toList();
            assertEquals(want.subList(0, Math.min(20, want.size())), got, "round " + round);
            assertTrue(!want.isEmpty());
        }
    }

    private static List<Long> naive(byte[] d) {
        List<byte[]> needles = PREFIXES.stream().map(p -> (p.endsWith("/") ? p : p + "/")
                .getBytes(StandardCharsets.US_ASCII)).toList();
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            if (i > 0 && (Character.isLetterOrDigit(d[i - 1]) || "-_.".indexOf(d[i - 1]) >= 0)) {
                continue;
            }
            for (byte[] n : needles) {
                if (i + n.length <= d.length && java.util.Arrays.equals(d, i, i + n.length, n, 0, n.length)) {
                    out.add((long) i);
                    i += n.length - 1;
                    break;
                }
            }
        }
        return out;
    }
}
