package dev.crabstore.store.local;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.nar.NarDumper;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code store optimise}: replaces identical regular files (and symlinks, as Nix does on Linux) of the valid store paths
 * by hard links to one inode, as {@code nix-store --optimise} does. Each distinct file has an entry
 * {@code <store>/.links/<hash>}, where the hash is the nix32 SHA-256 of the file's NAR serialisation (contents and
 * executable bit, or a symlink's target; the names Nix gives them); a file whose
 * entry exists with another inode is replaced by a hard link to it: a link under a temporary name in the store
 * directory ({@code .tmp-link-*}), then renamed over the file, so readers see the old or the new inode, never neither.
 * Store files are read-only with mtime 1 and both copies are, so the NAR of every path stays the same; the parent
 * directory is made writable for the rename and put back to 0555 and mtime 1.
 *
 * <p>Empty files are left alone (sharing them saves nothing, and thousands of links to one inode reach the file
 * system's link limit); other files are linked whatever their size. A file whose inode already has the maximum number
 * of links is left as it is. An entry whose contents no longer match its name (a corrupted shared inode) is replaced.
 *
 * <p>Each store path is optimised under its path lock and the shared GC lock, so the collector cannot delete a
 * {@code .links} entry (it deletes those whose link count dropped to 1) or the path while files are being linked.
 */
public final class StoreOptimiser {
    private static final FileTime EPOCH_PLUS_ONE = FileTime.fromMillis(1000);
    private static final Set<PosixFilePermission> READ_EXEC = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    /**
     * What optimising did (or, dry, would do).
     *
     * @param filesScanned regular non-empty files and symlinks looked at
     * @param filesLinked  files replaced by a hard link to their {@code .links} entry
     * @param bytesSaved   the sizes of the inodes whose last link was replaced (the space given back)
     */
    public record Result(int paths, long filesScanned, long filesLinked, long bytesSaved) {}

    private final LocalStore store;
    private final boolean dryRun;
    private final Consumer<String> warn;
    private final Path linksDir;
    /** Inodes that are some {@code .links} entry: files with them are already shared. */
    private final Set<Object> linkedInodes = new HashSet<>();
    /** In a dry run, the entries that would have been made: hash to the inode they would name. */
    private final Map<String, Object> virtualLinks = new HashMap<>();
    /** Entries whose contents were checked against their name in this run. */
    private final Set<String> checkedLinks = new HashSet<>();
    /** Links left to each inode met that is being replaced; when none is left its bytes are saved. */
    private final Map<Object, Long> remainingLinks = new HashMap<>();
    private long scanned;
    private long linked;
    private long saved;

    private StoreOptimiser(LocalStore store, boolean dryRun, Consumer<String> warn) {
        this.store = store;
        this.dryRun = dryRun;
        this.warn = warn;
        this.linksDir = linksDir(store.home());
    }

    /** Where the entries are: {@code <real store dir>/.links}. */
    public static Path linksDir(StoreHome home) {
        return home.realStoreDir().resolve(".links");
    }

    /** Optimises every valid path. */
    public static Result optimise(LocalStore store, boolean dryRun, Consumer<String> warn) {
        return optimise(store, store.database().allValidPaths(), dryRun, warn);
    }

    /** Optimises {@code paths} (those that are valid). */
    public static Result optimise(LocalStore store, List<StorePath> paths, boolean dryRun, Consumer<String> warn) {
        StoreOptimiser o = new StoreOptimiser(store, dryRun, warn);
        int n = 0;
        try {
            if (!dryRun) {
                Files.createDirectories(o.linksDir);
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot create " + o.linksDir, e);
        }
        for (StorePath p : paths) {
            if (o.optimisePath(p)) {
                n++;
            }
        }
        return new Result(n, o.scanned, o.linked, o.saved);
    }

    private boolean optimisePath(StorePath p) {
        try (PathLocks.PathLock lock = store.locks().lock(p); GcLock.Held gc = store.gcLock().shared()) {
            if (!store.isValid(p)) {
                return false;
            }
            Path root = store.realPath(p);
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                warn.accept(store.storeDir().print(p) + " is missing: run `crabstore store verify --repair`");
                return false;
            }
            List<Path> files = new ArrayList<>();
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if ((attrs.isRegularFile() && attrs.size() > 0) || attrs.isSymbolicLink()) {
                            files.add(file);
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
                for (Path f : files) {
                    optimiseFile(f);
                }
            } catch (IOException e) {
                throw new StoreIOException("cannot optimise " + store.storeDir().print(p), e);
            }
            return true;
        }
    }

    private void optimiseFile(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object inode = attrs.fileKey();
        if (linkedInodes.contains(inode)) {
            return;
        }
        scanned++;
        long size = attrs.size();
        String hash = NarDumper.digest(file).narHash().toNix32();
        Path link = linksDir.resolve(hash);
        Object linkInode = virtualLinks.get(hash);
        if (linkInode == null && Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            if (checkedLinks.add(hash) && !NarDumper.digest(link).narHash().toNix32().equals(hash)) {
                warn.accept("removing corrupted link " + link + " (its contents no longer match its name)");
                if (!dryRun) {
                    Files.delete(link);
                }
            } else {
                linkInode = Files.readAttributes(link, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .fileKey();
                linkedInodes.add(linkInode);
            }
        }
        if (linkInode == null) {
            // The first of its kind: it becomes the entry.
            if (dryRun) {
                virtualLinks.put(hash, inode);
            } else {
                Files.createLink(link, file);
                checkedLinks.add(hash);
            }
            linkedInodes.add(inode);
            return;
        }
        if (linkInode.equals(inode)) {
            return;
        }
        long links = remainingLinks.computeIfAbsent(inode, k -> nlink(file));
        if (!dryRun && !replaceByLink(file, link)) {
            return;
        }
        linked++;
        remainingLinks.put(inode, links - 1);
        if (links - 1 <= 0) {
            saved += size;
        }
    }

    /** Links a temporary name to the entry and renames it over {@code file}; false if the entry has too many links. */
    private boolean replaceByLink(Path file, Path link) throws IOException {
        Path tmp = store.home().realStoreDir().resolve(".tmp-link-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime());
        try {
            Files.createLink(tmp, link);
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Too many links")) {
                warn.accept(link + " has the maximum number of links; " + file + " is left as it is");
                return false;
            }
            throw e;
        }
        Path dir = file.getParent();
        boolean inPath = !dir.equals(store.home().realStoreDir());
        try {
            if (inPath) {
                Files.setPosixFilePermissions(dir, EnumSet.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
                        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
            if (inPath) {
                Files.setPosixFilePermissions(dir, READ_EXEC);
                Files.setLastModifiedTime(dir, EPOCH_PLUS_ONE);
            }
        }
        return true;
    }

    private static long nlink(Path file) {
        try {
            return ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException e) {
            throw new StoreIOException("cannot read the link count of " + file, e);
        }
    }
}
