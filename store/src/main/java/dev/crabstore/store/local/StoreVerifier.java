package dev.crabstore.store.local;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code store verify}: every registered path must exist (and, with {@code checkContents}, have the NAR hash and size
 * the database records), and every entry of the store directory must be registered. Reports, changes nothing.
 */
public final class StoreVerifier {
    private StoreVerifier() {}

    /** One problem found, with the path and what is wrong. */
    public record Problem(String kind, String path, String detail) {
        @Override
        public String toString() {
            return kind + ": " + path + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    public static List<Problem> verify(LocalStore store, boolean checkContents) {
        List<Problem> problems = new ArrayList<>();
        Set<String> registered = new TreeSet<>();
        for (StorePath p : store.database().allValidPaths()) {
            registered.add(p.baseName());
            Path real = store.realPath(p);
            if (!Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                problems.add(new Problem("missing", store.storeDir().print(p), "registered but not on disk"));
                continue;
            }
            if (checkContents) {
                PathInfo info = store.query(p).orElseThrow();
                NarDigest d = NarDumper.digest(real);
                if (!d.narHash().equals(info.narHash()) || d.narSize() != info.narSize()) {
                    problems.add(new Problem("corrupt", store.storeDir().print(p), "recorded " + info.narHash() + ", "
                            + info.narSize() + " bytes; on disk " + d.narHash() + ", " + d.narSize() + " bytes"));
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.home().realStoreDir())) {
            for (Path e : ds) {
                String name = e.getFileName().toString();
                if (!name.startsWith(".") && !registered.contains(name) && !beingAdded(store, name)) {
                    problems.add(new Problem("unregistered", e.toString(), "on disk but not in the database; "
                            + "`store verify --repair` or `crabstore gc` deletes it"));
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot list " + store.home().realStoreDir(), e);
        }
        return problems;
    }

    /**
     * Whether the entry is a path some process is putting into the store right now (it holds the path's lock and
     * registers the path once the tree is in place), or has just registered.
     */
    private static boolean beingAdded(LocalStore store, String name) {
        StorePath p;
        try {
            p = StorePath.parseBaseName(name);
        } catch (RuntimeException e) {
            return false;
        }
        java.util.Optional<PathLocks.PathLock> lock = store.locks().tryLock(p);
        if (lock.isEmpty()) {
            return true;
        }
        lock.get().close();
        return store.isValid(p);
    }
}
