package dev.crabstore.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

/** File trees with the awkward cases of the NAR format, for interop tests against real Nix. */
public final class TestTrees {
    private TestTrees() {}

    /**
     * Executables, group-x-only files, symlinks (relative, absolute, dangling, to a dir), empty files and dirs,
     * 8-byte-aligned and unaligned sizes, a hard link, deep nesting, non-ASCII names whose UTF-8 order differs from
     * UTF-16 order, dot files, spaces and dashes.
     */
    public static Path edgeCases(Path root) {
        try {
            Files.createDirectories(root);
            Files.writeString(root.resolve("a.txt"), "hello\n");
            Files.write(root.resolve("eight"), new byte[8]);
            Files.write(root.resolve("empty"), new byte[0]);
            Path exe = Files.writeString(root.resolve("run.sh"), "#!/bin/sh\necho hi\n");
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path gx = Files.writeString(root.resolve("group-x-only"), "x");
            Files.setPosixFilePermissions(gx, PosixFilePermissions.fromString("rw---x---"));
            Path ux = Files.writeString(root.resolve("user-x"), "x");
            Files.setPosixFilePermissions(ux, PosixFilePermissions.fromString("rwx------"));
            Files.createSymbolicLink(root.resolve("link"), Path.of("a.txt"));
            Files.createSymbolicLink(root.resolve("dangling-abs"), Path.of("/nonexistent/target"));
            Files.createSymbolicLink(root.resolve("dir-link"), Path.of("sub"));
            Files.createDirectories(root.resolve("sub/emptydir"));
            Files.writeString(root.resolve("sub/inner"), "inner");
            Files.createLink(root.resolve("hardlink"), root.resolve("a.txt"));
            Files.writeString(root.resolve(".hidden"), "h");
            Files.writeString(root.resolve("-dash"), "d");
            Files.writeString(root.resolve("with space"), "s");
            Files.writeString(root.resolve("ü"), "u");
            Files.writeString(root.resolve("\uFFFD"), "replacement char");
            Files.writeString(root.resolve("\uD83D\uDE00"), "emoji");
            Files.writeString(root.resolve("UPPER"), "U");
            Path deep = root;
            for (int i = 0; i < 100; i++) {
                deep = deep.resolve("d" + i);
            }
            Files.createDirectories(deep);
            Files.writeString(deep.resolve("bottom"), "deep");
            Random r = new Random(42);
            byte[] blob = new byte[300_001];
            r.nextBytes(blob);
            Files.write(root.resolve("random.bin"), blob);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file of {@code size} pseudo-random bytes, written in chunks (never held in memory). */
    public static Path largeFile(Path file, long size, long seed) {
        try {
            Files.createDirectories(file.getParent());
            Random r = new Random(seed);
            byte[] chunk = new byte[1 << 20];
            try (OutputStream out = Files.newOutputStream(file)) {
                long left = size;
                while (left > 0) {
                    r.nextBytes(chunk);
                    int n = (int) Math.min(chunk.length, left);
                    out.write(chunk, 0, n);
                    left -= n;
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
