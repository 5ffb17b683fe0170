package dev.crabstore.store.nar;

import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.nar.NarNames;
import dev.crabstore.core.nar.NarWriter;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Serialises a file, symlink or directory tree on disk as a NAR, streaming: names sorted as raw UTF-8 bytes,
 * executable = the owner's execute bit, symlinks stored and never followed, nothing else of the metadata. Special
 * files (sockets, devices, fifos) and names that are not valid UTF-8 are refused with an error naming the file.
 */
public final class NarDumper {
    private static final int BUFFER = 1 << 18;

    private NarDumper() {}

    public static void dump(Path path, OutputStream out) {
        dump(path, out, p -> true);
    }

    /** Dumps {@code path}, leaving out the entries below it for which {@code include} is false. */
    public static void dump(Path path, OutputStream out, Predicate<Path> include) {
        try {
            NarWriter w = new NarWriter(out, BUFFER);
            node(w, path, include);
            w.finish();
        } catch (NoSuchFileException e) {
            throw new StoreIOException("cannot serialise " + path + ": " + e.getFile() + " does not exist");
        } catch (IOException e) {
            throw new StoreIOException("cannot serialise " + path, e);
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

    private static void node(NarWriter w, Path p, Predicate<Path> include) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            w.symlink(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
        } else if (a.isRegularFile()) {
            boolean exec = a.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
            try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                w.regular(exec, a.size(), in);
            }
        } else if (a.isDirectory()) {
            w.startDirectory();
            for (Child c : sortedChildren(p, include)) {
                w.entry(c.name);
                node(w, c.path, include);
            }
            w.endDirectory();
        } else {
            throw new StoreIOException("cannot serialise " + p
                    + ": only regular files, directories and symlinks can be stored");
        }
    }

    private record Child(byte[] name, Path path) {}

    private static List<Child> sortedChildren(Path dir, Predicate<Path> include) throws IOException {
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
