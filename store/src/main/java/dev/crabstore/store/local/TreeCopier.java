package dev.crabstore.store.local;

import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Predicate;

/** Copies a file, symlink or tree without following links, keeping the owner-execute bit, leaving out excluded entries. */
final class TreeCopier {
    private TreeCopier() {}

    static void copy(Path source, Path target, Predicate<Path> include) {
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(source) && !include.test(dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    Files.createDirectory(target.resolve(source.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (!file.equals(source) && !include.test(file)) {
                        return FileVisitResult.CONTINUE;
                    }
                    Path dest = file.equals(source) ? target : target.resolve(source.relativize(file).toString());
                    if (attrs.isSymbolicLink()) {
                        Files.createSymbolicLink(dest, Files.readSymbolicLink(file));
                    } else if (attrs.isRegularFile()) {
                        Files.copy(file, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    } else {
                        throw new StoreIOException("cannot store " + file
                                + ": only regular files, directories and symlinks can be stored");
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new StoreIOException("cannot copy " + source, e);
        }
    }
}
