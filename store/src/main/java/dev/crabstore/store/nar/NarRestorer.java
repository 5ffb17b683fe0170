package dev.crabstore.store.nar;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.nar.NarParser;
import dev.crabstore.core.nar.NarVisitor;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.CanonicalMetadata;
import dev.crabstore.store.local.Canonicaliser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Unpacks a NAR stream at a target path that must not exist. Everything is written into a temp sibling, which is
 * renamed to the target only once the whole archive has parsed; on any error the temp tree is deleted and the target
 * still does not exist. Every entry is created new inside a directory this restorer made, so no link in the archive
 * can redirect a write outside the target.
 */
public final class NarRestorer {
    /**
     * Deepest directory nesting restored. Real trees stay far below; every file operation resolves the whole path, so
     * restoring and deleting a tree 2000 directories deep takes seconds (the parser alone accepts deeper NARs).
     */
    static final int MAX_DEPTH = 256;

    private NarRestorer() {}

    public static void restore(InputStream nar, Path target, String source) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreIOException("cannot restore " + source + ": " + target + " already exists");
        }
        Path parent = target.toAbsolutePath().getParent();
        Path temp = parent.resolve("." + target.getFileName() + ".restore-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        boolean done = false;
        try {
            Files.createDirectories(parent);
            Canonicaliser.deleteTree(temp);
            NarParser.parse(nar, source, new Writer(temp, source, false));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } catch (IOException e) {
            throw new StoreIOException("cannot restore " + source + " to " + target, e);
        } finally {
            if (!done) {
                Canonicaliser.deleteTree(temp);
            }
        }
    }

    /**
     * Restores a NAR straight at {@code target} (which must not exist; its parent must), as Nix imports into the
     * store: with the metadata of a store path set as each entry is written (files 0444 or 0555 from creation, every
     * mtime 1 s after the epoch, directories made read-only once their entries are in), so the tree needs no second
     * walk, no scratch directory and no rename. On any error whatever was written is deleted. The caller makes sure
     * nobody else uses {@code target} meanwhile (for a store path: it holds the path's lock).
     */
    public static void restoreCanonical(InputStream nar, Path target, String source) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreIOException("cannot restore " + source + ": " + target + " already exists");
        }
        boolean done = false;
        try {
            NarParser.parse(nar, source, new Writer(target, source, true));
            done = true;
        } catch (IOException e) {
            throw new StoreIOException("cannot restore " + source + " to " + target, e);
        } finally {
            if (!done) {
                Canonicaliser.deleteTree(target);
            }
        }
    }

    private static final class Writer implements NarVisitor {
        private final Deque<Path> stack = new ArrayDeque<>();
        private final String source;
        private final boolean canonical;

        Writer(Path root, String source, boolean canonical) {
            stack.push(root);
            this.source = source;
            this.canonical = canonical;
        }

        @Override
        public void regular(boolean executable, long size, InputStream contents) throws IOException {
            Path p = stack.peek();
            if (canonical) {
                try (OutputStream out = CanonicalMetadata.createFile(p, executable)) {
                    contents.transferTo(out);
                }
                CanonicalMetadata.setMtime(p);
                return;
            }
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                contents.transferTo(out);
            }
            if (executable) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                perms.add(PosixFilePermission.OWNER_EXECUTE);
                perms.add(PosixFilePermission.GROUP_EXECUTE);
                perms.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
            }
        }

        @Override
        public void symlink(byte[] target) throws IOException {
            Path p = Files.createSymbolicLink(stack.peek(), Path.of(utf8(target, "symlink target")));
            if (canonical) {
                CanonicalMetadata.setSymlinkMtime(p);
            }
        }

        @Override
        public void startDirectory() throws IOException {
            Files.createDirectory(stack.peek());
        }

        @Override
        public void entry(byte[] name) {
            if (stack.size() > MAX_DEPTH) {
                throw new InvalidFormatException(source + ": NAR nests directories deeper than " + MAX_DEPTH
                        + ", which crabstore does not restore");
            }
            stack.push(stack.peek().resolve(utf8(name, "entry name")));
        }

        @Override
        public void endEntry() {
            stack.pop();
        }

        @Override
        public void endDirectory() throws IOException {
            if (canonical) {
                // Last: adding entries changes a directory's mtime, and a read-only one takes no more entries.
                Path dir = stack.peek();
                Files.setPosixFilePermissions(dir, CanonicalMetadata.READ_EXEC);
                CanonicalMetadata.setMtime(dir);
            }
        }

        private String utf8(byte[] b, String what) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new InvalidFormatException(source + ": NAR " + what + " is not valid UTF-8; crabstore cannot restore it");
            }
        }
    }
}
