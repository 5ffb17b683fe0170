package dev.crabstore.store.local;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.path.StorePath;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Cleans up after processes that died (killed, crashed, out of power) while using the store; every command that opens
 * the store runs it, and so does the garbage collector. A dead process is one whose temporary roots file
 * ({@link TempRoots}) nobody holds locked any more. What it can have left, and what is done:
 * <ul>
 *   <li>its scratch directory {@code var/tmp/<token>/} (downloads, unpacked trees, build dirs, outputs not yet moved
 *       into the store): deleted;</li>
 *   <li>a tree moved into {@code store/} (or restored there from a cache) whose database row was never committed,
 *       or a path the collector had invalidated but not finished deleting: each is a path named in its temporary roots file, present on disk and
 *       not valid; deleted under the path's lock (whoever holds that lock is making the path and replaces the tree
 *       itself);</li>
 *   <li>its locks: released by the kernel when it died; an uncommitted database transaction: rolled back by SQLite.</li>
 * </ul>
 */
public final class StoreRecovery {
    private static final Pattern TOKEN = Pattern.compile("\\d+-\\d+");

    private StoreRecovery() {}

    /** What a recovery removed. */
    public record Result(int deadProcesses, int debrisDeleted, int scratchDirsDeleted) {}

    /** Best effort: what cannot be read or deleted now (e.g. a store of another user) is left for a later run. */
    public static Result recover(LocalStore store) {
        StoreHome home = store.home();
        int dead = 0;
        int debris = 0;
        int scratch = 0;
        Path rootsDir = TempRoots.dir(home);
        if (Files.isDirectory(rootsDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(rootsDir)) {
                for (Path f : ds) {
                    String token = f.getFileName().toString();
                    if (token.startsWith(".")) {
                        deleteIfAbandoned(f);
                    } else if (!TempRoots.openHere(token)) {
                        int d = recoverIfDead(store, f, token);
                        if (d >= 0) {
                            dead++;
                            debris += d;
                            scratch++;
                        }
                    }
                }
            } catch (IOException e) {
                // cannot list: nothing to do now
            }
        }
        // Scratch directories whose process finished or was recovered, but were not (entirely) deleted.
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(home.tempDir())) {
            for (Path e : ds) {
                String name = e.getFileName().toString();
                if (TOKEN.matcher(name).matches() && !TempRoots.openHere(name)
                        && !Files.exists(rootsDir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    if (delete(e)) {
                        scratch++;
                    }
                }
            }
        } catch (IOException e) {
            // no var/tmp yet, or unreadable
        }
        return new Result(dead, debris, scratch);
    }

    /**
     * Recovers after the process of {@code file} if it is dead (its lock is free); returns how many debris paths were
     * deleted, or -1 if the process lives (or another recovery is at it).
     */
    private static int recoverIfDead(LocalStore store, Path file, String token) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return -1; // held in this JVM
            }
            if (lock == null) {
                return -1;
            }
            int n = 0;
            for (StorePath p : TempRoots.paths(file)) {
                if (deleteDebris(store, p)) {
                    n++;
                }
            }
            delete(store.home().tempDir().resolve(token));
            // The file goes last: until then, a crash of this recovery leaves the work to the next.
            Files.deleteIfExists(file);
            lock.release();
            return n;
        } catch (NoSuchFileException e) {
            return -1; // finished or recovered meanwhile
        } catch (IOException | CrabstoreException e) {
            return -1;
        }
    }

    /** Deletes {@code p}'s tree if it is on disk but not valid and nobody holds its lock. */
    private static boolean deleteDebris(LocalStore store, StorePath p) {
        Path real = store.realPath(p);
        if (!Files.exists(real, LinkOption.NOFOLLOW_LINKS) || store.isValid(p)) {
            return false;
        }
        Optional<PathLocks.PathLock> lock = store.locks().tryLock(p);
        if (lock.isEmpty()) {
            return false;
        }
        try (PathLocks.PathLock held = lock.get()) {
            if (store.isValid(p)) {
                return false;
            }
            return delete(real);
        }
    }

    /** A hidden temporary roots file is one being created; after a minute unlocked, its process died creating it. */
    private static void deleteIfAbandoned(Path f) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (Files.getLastModifiedTime(f).toMillis() > System.currentTimeMillis() - 60_000) {
                return;
            }
            FileLock lock = ch.tryLock();
            if (lock != null) {
                Files.deleteIfExists(f);
                lock.release();
            }
        } catch (IOException | OverlappingFileLockException e) {
            // in use, or gone
        }
    }

    private static boolean delete(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            Canonicaliser.deleteTree(p);
            return true;
        } catch (CrabstoreException e) {
            return false;
        }
    }
}
