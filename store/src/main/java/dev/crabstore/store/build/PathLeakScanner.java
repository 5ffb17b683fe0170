package dev.crabstore.store.build;

import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds absolute paths in a build output that are not store paths: the sandbox's build dir, the checkout, the home
 * directory, {@code /tmp}. Any of them makes an output depend on where it was built, which input addressing cannot
 * tolerate (issue 6); the logical store dir is the only absolute prefix an output may contain.
 */
public final class PathLeakScanner {
    private static final int MAX_PER_OUTPUT = 20;

    /** One occurrence: the file (relative to the output), the byte offset, and the path found (up to 80 bytes). */
    public record Leak(String file, long offset, String text) {
        @Override
        public String toString() {
            return file + " at byte " + offset + ": " + text;
        }
    }

    private final List<byte[]> needles = new ArrayList<>();

    /** {@code prefixes}: absolute directory prefixes that must not appear, each ending in '/'. */
    public PathLeakScanner(List<String> prefixes) {
        for (String p : prefixes) {
            if (p != null && p.length() > 1) {
                needles.add((p.endsWith("/") ? p : p + "/").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    public List<Leak> scan(Path output) {
        List<Leak> leaks = new ArrayList<>();
        if (needles.isEmpty()) {
            return leaks;
        }
        try (Stream<Path> s = Files.walk(output)) {
            for (Path f : (Iterable<Path>) s.sorted()::iterator) {
                if (leaks.size() >= MAX_PER_OUTPUT) {
                    break;
                }
                if (Files.isSymbolicLink(f)) {
                    String target = Files.readSymbolicLink(f).toString();
                    for (byte[] n : needles) {
                        if (target.startsWith(new String(n, StandardCharsets.UTF_8))) {
                            leaks.add(new Leak(output.relativize(f) + " (symlink)", 0, target));
                        }
                    }
                } else if (Files.isRegularFile(f)) {
                    scanFile(output, f, leaks);
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot scan " + output + " for absolute paths", e);
        }
        return leaks;
    }

    private void scanFile(Path root, Path f, List<Leak> leaks) throws IOException {
        int keep = 0;
        for (byte[] n : needles) {
            keep = Math.max(keep, n.length - 1);
        }
        byte[] buf = new byte[1 << 16];
        long base = 0; // file offset of buf[0]
        int len = 0;
        try (InputStream in = Files.newInputStream(f)) {
            while (true) {
                int r = in.read(buf, len, buf.length - len);
                if (r < 0) {
                    break;
                }
                len += r;
                int limit = len - keep;
                for (int i = 0; i < limit; i++) {
                    for (byte[] n : needles) {
                        if (buf[i] == n[0] && matches(buf, i, len, n)) {
                            leaks.add(new Leak(root.relativize(f).toString(), base + i, text(buf, i, len)));
                            if (leaks.size() >= MAX_PER_OUTPUT) {
                                return;
                            }
                            i += n.length - 1;
                            break;
                        }
                    }
                }
                int from = Math.max(0, limit);
                System.arraycopy(buf, from, buf, 0, len - from);
                base += from;
                len -= from;
            }
            for (int i = 0; i < len; i++) { // the tail
                for (byte[] n : needles) {
                    if (buf[i] == n[0] && matches(buf, i, len, n)) {
                        leaks.add(new Leak(root.relativize(f).toString(), base + i, text(buf, i, len)));
                        return;
                    }
                }
            }
        }
    }

    private static boolean matches(byte[] buf, int at, int len, byte[] n) {
        if (at + n.length > len) {
            return false;
        }
        // Only a path that starts here: not "/home/" inside "/crabstore/store/...-home/".
        if (at > 0 && (Character.isLetterOrDigit(buf[at - 1]) || buf[at - 1] == '-' || buf[at - 1] == '_'
                || buf[at - 1] == '.')) {
            return false;
        }
        for (int k = 1; k < n.length; k++) {
            if (buf[at + k] != n[k]) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] buf, int at, int len) {
        int end = at;
        while (end < len && end - at < 80 && buf[end] > 32 && buf[end] < 127 && buf[end] != '"') {
            end++;
        }
        return new String(buf, at, end - at, StandardCharsets.US_ASCII);
    }
}
