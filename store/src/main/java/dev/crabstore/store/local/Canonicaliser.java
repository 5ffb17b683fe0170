package dev.crabstore.store.local;

import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Puts a finished tree into the form Nix gives store paths: files 0444, or 0555 when the owner could execute them,
 * directories 0555, every mtime 1 s after the epoch, no setuid/setgid. Only regular files, directories and symlinks
 * may occur. Directories are made read-only last, after their contents.
 */
public final class Canonicaliser {
    static final FileTime EPOCH_PLUS_ONE = CanonicalMetadata.EPOCH_PLUS_ONE;
    private static final Set<PosixFilePermission> READ_ONLY = CanonicalMetadata.READ_ONLY;
    private static final Set<PosixFilePermission> READ_EXEC = CanonicalMetadata.READ_EXEC;

    private Canonicaliser() {}

    public static void canonicalise(Path root) {
        try {
            List<Path> dirs = new ArrayList<>();
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    dirs.add(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isSymbolicLink()) {
                        setTime(file);
                    } else if (attrs.isRegularFile()) {
                        boolean exec = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)
                                .contains(PosixFilePermission.OWNER_EXECUTE);
                        Files.setPosixFilePermissions(file, exec ? READ_EXEC : READ_ONLY);
                        setTime(file);
                    } else {
                        throw new StoreIOException("cannot store '" + file
                                + "': only regular files, directories and symlinks may be in a store path");
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            for (int i = dirs.size() - 1; i >= 0; i--) {
                Path dir = dirs.get(i);
                Files.setPosixFilePermissions(dir, READ_EXEC);
                setTime(dir);
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot canonicalise " + root, e);
        }
    }

    /** Makes a tree writable again so it can be deleted (store paths are read-only). */
    public static void makeWritable(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir);
                    p.add(PosixFilePermission.OWNER_WRITE);
                    p.add(PosixFilePermission.OWNER_EXECUTE);
                    p.add(PosixFilePermission.OWNER_READ);
                    Files.setPosixFilePermissions(dir, p);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new StoreIOException("cannot make " + root + " writable", e);
        }
    }

    /** Deletes a tree, read-only or not; a missing tree is fine. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        makeWritable(root);
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new StoreIOException("cannot delete " + root, e);
        }
    }

    private static void setTime(Path p) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(EPOCH_PLUS_ONE, null, null);
    }
}
