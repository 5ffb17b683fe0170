package dev.crabstore.store.diff;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.diff.FileChange;
import dev.crabstore.planner.diff.SourceTrees;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.LocalStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Two source trees of the store compared file by file: each regular file by SHA-256 of its contents and its
 * executable bit, each symlink by its target. Directories count through the files in them.
 */
public final class StoreSourceTrees implements SourceTrees {
    private final LocalStore store;

    public StoreSourceTrees(LocalStore store) {
        this.store = store;
    }

    @Override
    public Optional<List<FileChange>> compare(StorePath a, StorePath b) {
        if (!store.isValid(a) || !store.isValid(b)) {
            return Optional.empty();
        }
        Map<String, String> fa = files(store.realPath(a));
        Map<String, String> fb = files(store.realPath(b));
        List<FileChange> out = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>(fa.keySet());
        all.addAll(fb.keySet());
        for (String f : all) {
            String x = fa.get(f);
            String y = fb.get(f);
            if (x == null) {
                out.add(new FileChange(f, FileChange.Kind.ADDED));
            } else if (y == null) {
                out.add(new FileChange(f, FileChange.Kind.REMOVED));
            } else if (!x.equals(y)) {
                out.add(new FileChange(f, FileChange.Kind.MODIFIED));
            }
        }
        return Optional.of(out);
    }

    /** Relative path → what identifies the file's contents. */
    static Map<String, String> files(Path root) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            out.put(root.getFileName().toString(), signature(root));
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                if (!Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    out.put(root.relativize(f).toString(), signature(f));
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot read the source tree " + root, e);
        }
        return out;
    }

    private static String signature(Path f) {
        try {
            if (Files.isSymbolicLink(f)) {
                return "link " + Files.readSymbolicLink(f);
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return (Files.isExecutable(f) ? "exec " : "file ") + HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + f, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
