package dev.crabstore.store.cargo;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The NAR digests of path packages' source trees, kept with the stat of every entry (type, mode, size, mtime and
 * ctime in ns, device, inode) so that an edit build hashes again only the packages whose files changed, as git's
 * index does. An entry is only trusted if every file in it was last modified (or changed mode) at least
 * {@link NoopFingerprint#RACY_MILLIS} before the tree was first read: a later write would then get another
 * timestamp (git's "racy clean" rule). One file per tree under {@code dir}, replaced atomically; a missing,
 * unreadable or malformed one is a miss, never an error.
 */
public final class SourceDigestCache {
    // Bump when what a digest covers changes (e.g. what a path package's source leaves out).
    private static final String MAGIC = "crabstore-source-digest-v2";
    private final Path dir;
    private final LongSupplier nowMillis;

    public SourceDigestCache(Path dir) {
        this(dir, System::currentTimeMillis);
    }

    SourceDigestCache(Path dir, LongSupplier nowMillis) {
        this.dir = dir;
        this.nowMillis = nowMillis;
    }

    /**
     * The NAR digest of {@code tree} without the entries {@code include} rejects ({@link NarDumper#digest(Path,
     * Predicate)}), from the cache when nothing in the tree stats differently from when it was recorded.
     * {@code filterId} names the filter: the same tree filtered otherwise has another entry.
     */
    public NarDigest digest(Path tree, String filterId, Predicate<Path> include) {
        return digest(tree, filterId, include, t -> { });
    }

    /**
     * As above; {@code check} is run on the tree before it is hashed, only when the cache has no entry for it as it
     * stats now (a check of the contents, such as a vendored crate's checksums, then costs nothing while it is
     * unchanged).
     */
    public NarDigest digest(Path tree, String filterId, Predicate<Path> include,
            java.util.function.Consumer<Path> check) {
        long started = nowMillis.getAsLong();
        List<String> before = listing(tree, include);
        Path file = dir.resolve(key(tree, filterId));
        if (before != null) {
            NarDigest cached = read(file, before);
            if (cached != null) {
                return cached;
            }
        }
        check.accept(tree);
        NarDigest d = NarDumper.digest(tree, include);
        // Recorded only if nothing changed while it was hashed and nothing is too fresh to be trusted.
        if (before != null && !racy(before, started) && before.equals(listing(tree, include))) {
            write(file, tree, d, before);
        }
        return d;
    }

    /**
     * Deletes the entries of trees that no longer exist (a deleted checkout) and those it cannot read (another
     * format, a damaged file: misses anyway): how many.
     */
    public int forgetDeletedTrees() {
        int n = 0;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().contains(".tmp")) {
                    continue; // being written
                }
                String tree = treeOf(f);
                if ((tree == null || !Files.isDirectory(Path.of(tree))) && Files.deleteIfExists(f)) {
                    n++;
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + dir, e);
        }
        return n;
    }

    /** The tree an entry is about (its second line), or null when it is not an entry of this format. */
    private static String treeOf(Path f) {
        try (java.io.BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            return MAGIC.equals(r.readLine()) ? r.readLine() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String key(Path tree, String filterId) {
        return Hash.sha256(tree.toAbsolutePath().normalize() + "\u0000" + filterId).toNix32().substring(0, 32);
    }

    /**
     * One line per entry, sorted: {@code <type> <mode> <size> <mtime-ns> <ctime-ns> <dev> <ino> <relative path>};
     * null when it cannot be made (no unix attributes, an unreadable entry, a name with a line break).
     */
    static List<String> listing(Path tree, Predicate<Path> include) {
        List<String> lines = new ArrayList<>();
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    if (!d.equals(tree) && !include.test(d)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    lines.add(line(tree, d));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    if (include.test(f)) {
                        lines.add(line(tree, f));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
        for (String l : lines) {
            if (l.indexOf('\n') >= 0 || l.indexOf('\r') >= 0) {
                return null;
            }
        }
        Collections.sort(lines);
        return lines;
    }

    private static String line(Path tree, Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime,ctime,dev,ino",
                LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        return Integer.toOctalString(mode) + ' ' + a.get("size") + ' ' + nanos((FileTime) a.get("lastModifiedTime"))
                + ' ' + nanos((FileTime) a.get("ctime")) + ' ' + a.get("dev") + ' ' + a.get("ino") + ' '
                + tree.relativize(p);
    }

    private static long nanos(FileTime t) {
        java.time.Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** Whether an entry was modified or changed mode too close to {@code started} to be trusted. */
    static boolean racy(List<String> listing, long started) {
        long limitNanos = (started - NoopFingerprint.RACY_MILLIS) * 1_000_000L;
        for (String l : listing) {
            String[] f = l.split(" ", 6);
            if (Long.parseLong(f[2]) > limitNanos || Long.parseLong(f[3]) > limitNanos) { // mtime, ctime
                return true;
            }
        }
        return false;
    }

    /** The recorded digest if the file is well formed and its listing is {@code now}, else null. */
    private static NarDigest read(Path file, List<String> now) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
        if (lines.size() < 4 || !lines.get(0).equals(MAGIC) || !lines.subList(4, lines.size()).equals(now)) {
            return null;
        }
        try {
            return new NarDigest(Hash.parse(lines.get(2)), Long.parseLong(lines.get(3)));
        } catch (RuntimeException e) {
            return null; // a damaged file: hashed again and replaced
        }
    }

    private void write(Path file, Path tree, NarDigest d, List<String> listing) {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n').append(tree.toAbsolutePath().normalize()).append('\n')
                .append(d.narHash()).append('\n')
                .append(d.narSize()).append('\n');
        for (String l : listing) {
            sb.append(l).append('\n');
        }
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-"
                    + Thread.currentThread().getId());
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // a cache: the next build hashes the tree again
        }
    }
}
