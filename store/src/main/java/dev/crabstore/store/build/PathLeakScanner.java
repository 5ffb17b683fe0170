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

    /** Bytes that continue a name: a slash after one of them does not start a path ("-home/" is not "/home/"). */
    private static final boolean[] PATH_CHAR = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            PATH_CHAR[c] = Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' || c == '.';
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
        byte[] buf = new byte[1 << 20];
        long base = 0; // file offset of buf[0]
        int len = 0;
        try (InputStream in = Files.newInputStream(f)) {
            boolean eof = false;
            int start = 0; // buf[start - 1], when there, is the byte before: already scanned, kept for context
            while (!eof) {
                int r = in.read(buf, len, buf.length - len);
                if (r < 0) {
                    eof = true;
                } else {
                    len += r;
                }
                // Until the end, keep the last keep bytes for the next round: a needle may straddle two reads.
                int limit = eof ? len : len - keep;
                int i = start;
                for (; i < limit; i++) {
                    // Every needle starts with '/': one comparison per byte, the rest only at a slash.
                    if (buf[i] != '/' || (i > 0 && PATH_CHAR[buf[i - 1] & 0xff])) {
                        continue;
                    }
                    for (byte[] n : needles) {
                        if (matches(buf, i, len, n)) {
                            leaks.add(new Leak(root.relativize(f).toString(), base + i, text(buf, i, len)));
                            if (leaks.size() >= MAX_PER_OUTPUT) {
                                return;
                            }
                            i += n.length - 1;
                            break;
                        }
                    }
                }
                // Keep the unscanned tail (a needle may straddle two reads) and the byte before it.
                int from = Math.max(0, i - 1);
                System.arraycopy(buf, from, buf, 0, len - from);
                base += from;
                len -= from;
                start = i - from;
            }
        }
    }

    /**
     * The leaks whose text is in none of {@code trees} (the build's inputs): a path an input already holds was copied
     * from it, not made by the build that is being scanned.
     */
    public static List<Leak> notIn(List<Leak> leaks, java.util.Collection<Path> trees) {
        java.util.Set<String> missing = new java.util.TreeSet<>();
        leaks.forEach(l -> missing.add(pathPart(l.text())));
        for (Path tree : trees) {
            if (missing.isEmpty()) {
                break;
            }
            try (Stream<Path> s = Files.walk(tree)) {
                for (Path f : (Iterable<Path>) s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption
                        .NOFOLLOW_LINKS))::iterator) {
                    missing.removeAll(containedIn(f, missing));
                    if (missing.isEmpty()) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new StoreIOException("cannot search " + tree + " for the paths found in an output", e);
            }
        }
        return leaks.stream().filter(l -> missing.contains(pathPart(l.text()))).toList();
    }

    /** The path a leak's text starts with, without the punctuation after it ({@code /tmp/x;} → {@code /tmp/x}). */
    static String pathPart(String text) {
        int end = 0;
        while (end < text.length() && (text.charAt(end) == '/' || PATH_CHAR[text.charAt(end) & 0xff])) {
            end++;
        }
        return text.substring(0, end);
    }

    /** Which of {@code texts} occur in file {@code f}, read in chunks that overlap by the longest text. */
    private static java.util.Set<String> containedIn(Path f, java.util.Set<String> texts) throws IOException {
        List<byte[]> needles = texts.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        int keep = needles.stream().mapToInt(n -> n.length).max().orElse(1) - 1;
        java.util.Set<String> found = new java.util.HashSet<>();
        byte[] buf = new byte[(1 << 20) + keep];
        int len = 0;
        try (InputStream in = Files.newInputStream(f)) {
            boolean eof = false;
            while (!eof) {
                int r = in.read(buf, len, buf.length - len);
                if (r < 0) {
                    eof = true;
                } else {
                    len += r;
                }
                if (!eof && len < buf.length) {
                    continue;
                }
                for (byte[] n : needles) {
                    if (indexOf(buf, len, n) >= 0) {
                        found.add(new String(n, StandardCharsets.UTF_8));
                    }
                }
                int from = Math.max(0, len - keep); // a text may straddle two chunks
                System.arraycopy(buf, from, buf, 0, len - from);
                len -= from;
            }
        }
        return found;
    }

    private static int indexOf(byte[] buf, int len, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= len; i++) {
            for (int k = 0; k < n.length; k++) {
                if (buf[i + k] != n[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean matches(byte[] buf, int at, int len, byte[] n) {
        if (at + n.length > len) {
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
