package dev.crabstore.store.nar;

import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.nar.NarNames;
import dev.crabstore.core.nar.NarWriter;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Serialises a file, symlink or directory tree on disk as a NAR, streaming: names sorted as raw UTF-8 bytes,
 * executable = the owner's execute bit, symlinks stored and never followed, nothing else of the metadata. Special
 * files (sockets, devices, fifos) and names that are not valid UTF-8 are refused with an error naming the file.
 *
 * <p>Trees of many small files are bound by per-file system calls, so a small pool stats and reads the next entries
 * of a directory ahead of the writer (a bounded window), while the NAR is still written strictly in order. Large
 * files are streamed in chunks; memory stays bounded whatever the tree.
 */
public final class NarDumper {
    private static final int BUFFER = 1 << 18;
    /** Files up to this size are read whole by the prefetchers. */
    private static final int SMALL_FILE = 1 << 16;
    /** Entries per prefetch task, and tasks in flight per directory. */
    private static final int CHUNK = Integer.getInteger("crab.chunk", 32);
    private static final int CHUNKS_AHEAD = Integer.getInteger("crab.ahead", 4);

    private final NarWriter writer;
    private final Predicate<Path> include;
    private final ExecutorService pool;

    private NarDumper(NarWriter writer, Predicate<Path> include, ExecutorService pool) {
        this.writer = writer;
        this.include = include;
        this.pool = pool;
    }

    public static void dump(Path path, OutputStream out) {
        dump(path, out, p -> true);
    }

    /** Dumps {@code path}, leaving out the entries below it for which {@code include} is false. */
    public static void dump(Path path, OutputStream out, Predicate<Path> include) {
        ExecutorService pool = Executors.newFixedThreadPool(
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), r -> {
                    Thread t = new Thread(r, "nar-prefetch");
                    t.setDaemon(true);
                    return t;
                });
        try {
            // Inspect the top first, so that a missing path writes nothing at all.
            Node top = inspect(path);
            NarWriter w = new NarWriter(out, BUFFER);
            new NarDumper(w, include, pool).node(top);
            w.finish();
        } catch (NoSuchFileException e) {
            throw new StoreIOException("cannot serialise " + path + ": " + e.getFile() + " does not exist");
        } catch (IOException e) {
            throw new StoreIOException("cannot serialise " + path, e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The NAR hash and size of {@code path}, without keeping the NAR. */
    public static NarDigest digest(Path path) {
        return digest(path, p -> true);
    }

    public static NarDigest digest(Path path, Predicate<Path> include) {
        HashingOutputStream h = HashingOutputStream.discarding(HashAlgorithm.SHA256);
        dump(path, h, include);
        return new NarDigest(h.hash(), h.count());
    }

    /** What one entry is, with the contents of a small file already read. */
    private record Node(Path path, PosixFileAttributes attrs, byte[] smallContents) {}

    private static Node inspect(Path p) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        byte[] contents = null;
        if (a.isRegularFile() && a.size() <= SMALL_FILE) {
            contents = readExactly(p, (int) a.size());
        }
        return new Node(p, a, contents);
    }

    /** open, one read of exactly the size lstat gave, close: the fewest system calls a small file can take. */
    private static byte[] readExactly(Path p, int size) throws IOException {
        byte[] b = new byte[size];
        if (size == 0) {
            return b;
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new IOException(p + " shrank while it was being read");
                }
            }
        }
        return b;
    }

    private void node(Node n) throws IOException {
        PosixFileAttributes a = n.attrs;
        if (a.isSymbolicLink()) {
            writer.symlink(Files.readSymbolicLink(n.path).toString().getBytes(StandardCharsets.UTF_8));
        } else if (a.isRegularFile()) {
            boolean exec = a.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
            if (n.smallContents != null) {
                writer.regular(exec, n.smallContents);
            } else {
                try (InputStream in = Files.newInputStream(n.path, LinkOption.NOFOLLOW_LINKS)) {
                    writer.regular(exec, a.size(), in);
                }
            }
        } else if (a.isDirectory()) {
            directory(n.path);
        } else {
            throw new StoreIOException("cannot serialise " + n.path
                    + ": only regular files, directories and symlinks can be stored");
        }
    }

    private void directory(Path dir) throws IOException {
        writer.startDirectory();
        List<Child> children = sortedChildren(dir);
        // Entries are inspected in chunks by the pool, a few chunks ahead of the writer; one hand-off per chunk
        // keeps the synchronisation cost below the system-call cost it overlaps.
        Deque<CompletableFuture<List<Node>>> ahead = new ArrayDeque<>();
        int next = 0;
        int written = 0;
        while (written < children.size()) {
            while (next < children.size() && ahead.size() < CHUNKS_AHEAD) {
                List<Path> chunk = new ArrayList<>();
                for (int i = next; i < Math.min(children.size(), next + CHUNK); i++) {
                    chunk.add(children.get(i).path);
                }
                next += chunk.size();
                ahead.add(CompletableFuture.supplyAsync(() -> inspectAll(chunk), pool));
            }
            List<Node> nodes;
            try {
                nodes = ahead.poll().join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                throw e;
            }
            for (Node n : nodes) {
                writer.entry(children.get(written++).name);
                node(n);
            }
        }
        writer.endDirectory();
    }

    private List<Node> inspectAll(List<Path> paths) {
        List<Node> out = new ArrayList<>(paths.size());
        try {
            for (Path p : paths) {
                out.add(inspect(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private record Child(byte[] name, Path path) {}

    private List<Child> sortedChildren(Path dir) throws IOException {
        List<Child> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path child : ds) {
                if (!include.test(child)) {
                    continue;
                }
                String name = child.getFileName().toString();
                // A name that is not valid UTF-8 comes back with U+FFFD and no longer names the file.
                if (name.indexOf('\uFFFD') >= 0 && !Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    throw new StoreIOException("cannot serialise " + child
                            + ": its name is not valid UTF-8 (is the locale UTF-8? crabstore needs LC_ALL=C.UTF-8)");
                }
                children.add(new Child(name.getBytes(StandardCharsets.UTF_8), child));
            }
        }
        children.sort((x, y) -> NarNames.compare(x.name, y.name));
        return children;
    }
}
