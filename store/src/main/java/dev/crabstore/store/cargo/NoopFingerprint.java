package dev.crabstore.store.cargo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an unchanged {@code crabstore build} or {@code plan} would do, keyed by its command line, and the stat of every
 * input it read (manifests, sources of path packages, lockfile, cargo config, toolchain) and every output it left
 * (store paths, the links in {@code target/}). When all of them stat the same, the command's result is replayed
 * without planning: that is how a no-op build gets close to cargo's no-op, which also only stats.
 *
 * <p>Uses nothing beyond {@code java.base}, no lambdas and no string concatenation by invokedynamic on its read path,
 * because it runs before anything else is loaded. A file modified less than {@link #RACY_MILLIS} before the
 * fingerprint was written is never trusted (git's "racy clean" problem: a second edit within the same timestamp tick
 * would go unseen).
 */
public final class NoopFingerprint {
    private static final String MAGIC = "crabstore-noop-v1";
    static final long RACY_MILLIS = 2000;

    private NoopFingerprint() {}

    /** The fingerprint file of a command line run in {@code cwd} with {@code env}, under the store home. */
    public static Path file(Path storeHome, List<String> args, Path cwd, Map<String, String> env) {
        return file(storeHome, args, cwd, env, codeIdentity());
    }

    /**
     * As above, for the crabstore build {@code code} names: another build of crabstore (an upgrade) may plan other
     * derivations for the same inputs, so it must not replay what an earlier one recorded.
     */
    static Path file(Path storeHome, List<String> args, Path cwd, Map<String, String> env, String code) {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n').append(code).append('\n').append(cwd.toAbsolutePath())
                .append('\n');
        for (String a : args) {
            sb.append(a).append('\u0000');
        }
        sb.append('\n');
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String k = e.getKey();
            if (k.startsWith("CARGO") || k.startsWith("RUST") || k.startsWith("CRABSTORE") || k.startsWith("XDG_")
                    || k.equals("PATH") || k.equals("HOME") || k.equals("NO_COLOR") || k.equals("TERM")) {
                sb.append(k).append('=').append(e.getValue()).append('\n');
            }
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                hex.append(Character.forDigit((d[i] >> 4) & 0xf, 16)).append(Character.forDigit(d[i] & 0xf, 16));
            }
            return storeHome.resolve("var").resolve("noop").resolve(hex.toString());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Deletes the fingerprints under the store home that would not replay (an input changed or is gone, a
     * checkout was deleted, another crabstore wrote them): the next run of their command plans and writes them
     * again, so nothing is lost, and {@code var/noop} does not keep one file per command ever run. How many.
     */
    public static int forgetStale(Path storeHome) {
        Path dir = storeHome.resolve("var").resolve("noop");
        int n = 0;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && check(f) == null && Files.deleteIfExists(f)) {
                    n++;
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return n;
    }

    /** This crabstore build: where its classes were loaded from, with that file's size and modification time. */
    static String codeIdentity() {
        try {
            java.security.CodeSource cs = NoopFingerprint.class.getProtectionDomain().getCodeSource();
            Path p = Path.of(cs.getLocation().toURI());
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            StringBuilder sb = new StringBuilder(p.toString()).append(' ').append(a.size()).append(' ')
                    .append(a.lastModifiedTime().toMillis());
            return sb.toString();
        } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
            return "unknown";
        }
    }

    /** What the command printed, to replay: stdout verbatim, stderr with {@code {secs}} replaced by the time taken. */
    public record Replay(String stdout, String stderr) {}

    /** The replay if every recorded input and output is as it was, else null. Never throws for a stale or bad file. */
    public static Replay check(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
        if (lines.size() < 4 || !lines.get(0).equals(MAGIC)) {
            return null;
        }
        long written;
        try {
            written = Long.parseLong(lines.get(1));
        } catch (NumberFormatException e) {
            return null;
        }
        String stdout = unescape(lines.get(2));
        String stderr = unescape(lines.get(3));
        for (int i = 4; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.length() < 3 || l.charAt(1) != ' ') {
                return null;
            }
            char kind = l.charAt(0);
            String rest = l.substring(2);
            if (kind == 'S') { // S <stat> <path>
                int sp = rest.indexOf(' ');
                if (sp < 0) {
                    return null;
                }
                String now = stat(Path.of(rest.substring(sp + 1)), written);
                if (now == null || !now.equals(rest.substring(0, sp))) {
                    return null;
                }
            } else if (kind == 'A') { // A <path>: must not exist
                if (Files.exists(Path.of(rest), LinkOption.NOFOLLOW_LINKS)) {
                    return null;
                }
            } else if (kind == 'E') { // E <path>: must exist
                if (!Files.exists(Path.of(rest), LinkOption.NOFOLLOW_LINKS)) {
                    return null;
                }
            } else if (kind == 'L') { // L <link>\t<target>
                int tab = rest.indexOf('\t');
                if (tab < 0) {
                    return null;
                }
                try {
                    Path link = Path.of(rest.substring(0, tab));
                    if (!Files.readSymbolicLink(link).toString().equals(rest.substring(tab + 1))
                            || !Files.exists(link)) {
                        return null;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return new Replay(stdout, stderr);
    }

    /**
     * A file's identity for change detection: size, modification time (ns), file key (device and inode) and type; null
     * if it does not exist or was modified too close to {@code trustedBefore} to be trusted.
     */
    static String stat(Path p, long trustedBefore) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long mtime = a.lastModifiedTime().toMillis();
            if (mtime > trustedBefore - RACY_MILLIS) {
                return null;
            }
            StringBuilder sb = new StringBuilder();
            sb.append(a.isDirectory() ? 'd' : a.isSymbolicLink() ? 'l' : 'f').append(a.size()).append(',')
                    .append(a.lastModifiedTime().toInstant().getEpochSecond()).append('.')
                    .append(a.lastModifiedTime().toInstant().getNano()).append(',');
            Object key = a.fileKey();
            sb.append(key == null ? "-" : key.toString().replace(' ', '_'));
            return sb.toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** What a fingerprint records: input files and trees that must stat the same, paths that must (not) exist, links. */
    public static final class Inputs {
        final List<Path> files = new ArrayList<>();
        final List<Path> absent = new ArrayList<>();
        final List<Path> existing = new ArrayList<>();
        final Map<Path, Path> links = new TreeMap<>();

        /** A file or directory whose stat must not change; if it does not exist, it must stay absent. */
        public Inputs file(Path p) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                files.add(p.toAbsolutePath().normalize());
            } else {
                absent.add(p.toAbsolutePath().normalize());
            }
            return this;
        }

        /** Every file and directory under {@code dir} except what {@code skip} says. */
        public Inputs tree(Path dir, java.util.function.Predicate<Path> skip) {
            try (var s = Files.walk(dir)) {
                s.filter(p -> !skip.test(p)).forEach(this::file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Inputs mustExist(Path p) {
            existing.add(p);
            return this;
        }

        public Inputs link(Path link, Path target) {
            links.put(link, target);
            return this;
        }
    }

    /** Writes the fingerprint atomically; {@code now} is the time the inputs were read (before the command ran). */
    public static void write(Path file, long startedMillis, Inputs in, Replay replay) throws IOException {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n').append(startedMillis).append('\n')
                .append(escape(replay.stdout())).append('\n').append(escape(replay.stderr())).append('\n');
        for (Path p : in.files) {
            String s = stat(p, startedMillis);
            if (s == null) {
                return; // changed while we ran, or too fresh: no fingerprint, the next run plans again
            }
            sb.append("S ").append(s).append(' ').append(p).append('\n');
        }
        for (Path p : in.absent) {
            sb.append("A ").append(p).append('\n');
        }
        for (Path p : in.existing) {
            sb.append("E ").append(p).append('\n');
        }
        for (Map.Entry<Path, Path> e : in.links.entrySet()) {
            sb.append("L ").append(e.getKey()).append('\t').append(e.getValue()).append('\n');
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Forgets a fingerprint (after a failed command). */
    public static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stale fingerprint fails its stat check anyway
        }
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
