package dev.crabstore.store.nar;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.nar.NarParser;
import dev.crabstore.core.nar.NarVisitor;
import dev.crabstore.store.StoreIOException;
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
            NarParser.parse(nar, source, new Writer(temp, source));
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

    private static final class Writer implements NarVisitor {
        private final Deque<Path> stack = new ArrayDeque<>();
        private final String source;

        Writer(Path root, String source) {
            stack.push(root);
            this.source = source;
        }

        @Override
        public void regular(boolean executable, long size, InputStream contents) throws IOException {
            Path p = stack.peek();
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
            Files.createSymbolicLink(stack.peek(), Path.of(utf8(target, "symlink target")));
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
        public void endDirectory() {}

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
