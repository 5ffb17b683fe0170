package dev.crabstore.store.build;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Which files differ between two trees, as a reproducibility report shows them (type, size, content, mode). */
public final class TreeDiff {
    private TreeDiff() {}

    private record Entry(String kind, long size, String digest) {}

    /** One line per differing path, relative to the trees' roots, in path order. */
    public static List<String> between(Path a, Path b) {
        Map<String, Entry> left = index(a);
        Map<String, Entry> right = index(b);
        List<String> out = new ArrayList<>();
        TreeMap<String, Boolean> all = new TreeMap<>();
        left.keySet().forEach(k -> all.put(k, true));
        right.keySet().forEach(k -> all.put(k, true));
        for (String p : all.keySet()) {
            Entry x = left.get(p);
            Entry y = right.get(p);
            String name = p.isEmpty() ? "." : p;
            if (x == null) {
                out.add("only in the rebuild: " + name + " (" + y.kind() + ", " + y.size() + " bytes)");
            } else if (y == null) {
                out.add("only in the store: " + name + " (" + x.kind() + ", " + x.size() + " bytes)");
            } else if (!x.equals(y)) {
                out.add(x.kind().equals(y.kind()) ? "differs: " + name + " (" + x.kind() + ", " + x.size() + " → "
                        + y.size() + " bytes)" : "differs: " + name + " (" + x.kind() + " → " + y.kind() + ")");
            }
        }
        return out;
    }

    private static Map<String, Entry> index(Path root) {
        Map<String, Entry> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(rel, new Entry("symlink", 0, Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    m.put(rel, new Entry("directory", 0, ""));
                } else {
                    String kind = Files.isExecutable(p) ? "executable file" : "file";
                    m.put(rel, new Entry(kind, Files.size(p), sha256(p)));
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot compare " + root, e);
        }
        return m;
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return Hash.of(dev.crabstore.core.hash.HashAlgorithm.SHA256, md.digest()).toBase16();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
