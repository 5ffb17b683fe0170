package dev.crabstore.store.local;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;

import java.util.Optional;
import java.util.Set;

/**
 * Deletes every store path no root reaches. Runs under the exclusive GC lock, so no process adds a path or starts
 * relying on one meanwhile; paths in use by running processes are kept through their temporary roots, and files of
 * a path some process is building (its path lock is held) are left alone.
 */
public final class GarbageCollector {
    private GarbageCollector() {}

    /**
     * What a collection did (or, dry, would do).
     *
     * @param linksDeleted     {@code .links} entries of {@code store optimise} no store file shared any more
     * @param linkBytesFreed   their sizes
     * @param lockFilesDeleted lock files ({@code var/locks}) of paths that are not valid, which nobody held
     * @param logsDeleted      kept diagnostics ({@code var/log}) of {@code .drv} files that are not valid
     */
    public record Result(List<StorePath> deleted, long bytesFreed, int leftoversDeleted, int linksDeleted,
            long linkBytesFreed, int lockFilesDeleted, int logsDeleted) {}

    /** As {@link #collect(LocalStore, GcRoots, boolean, long, long, Clock, boolean)} with {@code keep-outputs} on. */
    public static Result collect(LocalStore store, GcRoots roots, boolean dryRun, long maxFreed,
            long olderThanSeconds, Clock clock) {
        return collect(store, roots, dryRun, maxFreed, olderThanSeconds, clock, true);
    }

    /**
     * @param maxFreed stop once this many bytes (NAR size) are freed; {@code Long.MAX_VALUE} for no limit
     * @param olderThanSeconds only delete paths registered at least this long ago (0 for all)
     * @param keepOutputs Nix's {@code keep-outputs}: a live {@code .drv} keeps its valid outputs (and their closures)
     *                    alive, so the recorded root derivations of a workspace's last build keep its whole build-time
     *                    closure (every dependency's compiled output), not only the {@code .drv} files
     */
    public static Result collect(LocalStore store, GcRoots roots, boolean dryRun, long maxFreed,
            long olderThanSeconds, Clock clock, boolean keepOutputs) {
        try (GcLock.Held l = store.gcLock().exclusive()) {
            StoreRecovery.Result recovered = dryRun ? new StoreRecovery.Result(0, 0, 0) : StoreRecovery.recover(store);
            Set<StorePath> live = new HashSet<>();
            Deque<StorePath> todo = new ArrayDeque<>(roots.roots().values());
            todo.addAll(TempRoots.readAll(store.home()));
            while (!todo.isEmpty()) {
                StorePath p = todo.pop();
                if (live.add(p)) {
                    store.query(p).ifPresent(info -> todo.addAll(info.references()));
                    if (keepOutputs && p.isDerivation()) {
                        todo.addAll(outputsOf(store, p));
                    }
                }
            }
            long now = clock.instant().getEpochSecond();
            StoreDatabase db = store.database();
            List<StorePath> deleted = new ArrayList<>();
            long freed = 0;
            // Referrers before their references: delete a dead path only once no dead path still refers to it.
            List<StorePath> dead = new ArrayList<>();
            for (StorePath p : db.allValidPaths()) {
                if (!live.contains(p)) {
                    dead.add(p);
                }
            }
            Set<StorePath> deadSet = new HashSet<>(dead);
            Set<StorePath> done = new HashSet<>();
            for (StorePath p : dead) {
                if (freed >= maxFreed) {
                    break;
                }
                freed += deleteWithReferrers(store, p, deadSet, done, deleted, dryRun, now, olderThanSeconds);
            }
            StoreRecovery.Result atOpen = store.recoveredAtOpen();
            int leftovers = dryRun ? 0 : deleteLeftovers(store) + recovered.debrisDeleted()
                    + recovered.scratchDirsDeleted() + atOpen.debrisDeleted() + atOpen.scratchDirsDeleted();
            long[] links = dryRun ? new long[2] : deleteUnusedLinks(store);
            int lockFiles = dryRun ? 0 : deleteUnusedLockFiles(store);
            int logs = dryRun ? 0 : deleteUnusedLogs(store, clock);
            return new Result(deleted, freed, leftovers, (int) links[0], links[1], lockFiles, logs);
        }
    }

    /**
     * The output paths a valid {@code .drv} names (valid or not: an invalid one is simply not in the database). A
     * derivation that cannot be read or parsed keeps nothing but itself: {@code store verify} is where a damaged path
     * is reported, and a collection must not fail on it.
     */
    private static Collection<StorePath> outputsOf(LocalStore store, StorePath drvPath) {
        if (!store.isValid(drvPath)) {
            return List.of();
        }
        try {
            return store.readDerivation(drvPath).outputPaths().values();
        } catch (CrabstoreException e) {
            return List.of();
        }
    }

    private static long deleteWithReferrers(LocalStore store, StorePath p, Set<StorePath> dead, Set<StorePath> done,
            List<StorePath> deleted, boolean dryRun, long now, long olderThan) {
        if (!done.add(p)) {
            return 0;
        }
        long freed = 0;
        for (StorePath r : store.database().referrers(p)) {
            if (dead.contains(r)) {
                freed += deleteWithReferrers(store, r, dead, done, deleted, dryRun, now, olderThan);
            }
        }
        Optional<PathInfo> info = store.query(p);
        if (info.isEmpty() || now - info.get().registrationTime() < olderThan) {
            return freed;
        }
        if (!store.database().referrers(p).isEmpty() && !dryRun) {
            // A referrer was too young to delete; so is this path.
            return freed;
        }
        if (!dryRun) {
            store.deleteValidPath(p);
        }
        deleted.add(p);
        return freed + info.get().narSize();
    }

    /**
     * Deletes the {@code .links} entries ({@link StoreOptimiser}) whose link count is 1 (no store file shares them any
     * more), and temporary links an interrupted optimiser left ({@code .tmp-link-*}; none is in use, since optimising
     * holds the shared GC lock). Returns how many entries and how many bytes.
     */
    private static long[] deleteUnusedLinks(LocalStore store) {
        long n = 0;
        long bytes = 0;
        Path links = StoreOptimiser.linksDir(store.home());
        try {
            if (Files.isDirectory(links)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(links)) {
                    for (Path f : ds) {
                        java.util.Map<String, Object> a = Files.readAttributes(f, "unix:nlink,size",
                                java.nio.file.LinkOption.NOFOLLOW_LINKS);
                        if (((Number) a.get("nlink")).longValue() <= 1) {
                            Files.delete(f);
                            n++;
                            bytes += ((Number) a.get("size")).longValue();
                        }
                    }
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.home().realStoreDir(), ".tmp-link-*")) {
                for (Path f : ds) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot clean up " + links, e);
        }
        return new long[] {n, bytes};
    }

    /**
     * Deletes the lock files of paths that are not valid and that nobody holds ({@link PathLocks#tryDelete}): one
     * was left per path ever built, fetched or added, and {@code var/locks} grew forever. Those of valid paths are
     * kept (the store's size bounds them). Returns how many were deleted.
     */
    static int deleteUnusedLockFiles(LocalStore store) {
        Path dir = store.home().locksDir();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.lock")) {
            for (Path f : ds) {
                String name = f.getFileName().toString();
                String hashPart = name.substring(0, name.length() - ".lock".length());
                if (hashPart.length() != StorePath.HASH_PART_LENGTH
                        || store.queryPathFromHashPart(hashPart).isPresent()) {
                    continue;
                }
                if (store.locks().tryDelete(hashPart)) {
                    n++;
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot list " + dir, e);
        }
        return n;
    }

    /**
     * Deletes the kept diagnostics ({@code var/log/<2>/<rest>}) of {@code .drv} files that are not valid any more,
     * and temporary files of writes that died more than an hour ago: one file was left per unit ever built with
     * warnings, and {@code var/log} grew forever. Only a fresh unit's log is ever read, and a unit is fresh only
     * while its {@code .drv} is valid. Returns how many were deleted.
     */
    static int deleteUnusedLogs(LocalStore store, Clock clock) {
        Path dir = store.home().logDir();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        long hourAgo = clock.millis() - 3_600_000L;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(dir)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        boolean unused;
                        if (name.startsWith(".tmp-")) {
                            unused = Files.getLastModifiedTime(f).toMillis() < hourAgo;
                        } else {
                            StorePath drv;
                            try {
                                drv = StorePath.parseBaseName(shard.getFileName() + name);
                            } catch (RuntimeException e) {
                                continue; // not ours
                            }
                            unused = !store.isValid(drv);
                        }
                        if (unused && Files.deleteIfExists(f)) {
                            n++;
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot clean " + dir, e);
        }
        return n;
    }

    /** Files in the store directory without a database row, left by interrupted runs and not being built now. */
    private static int deleteLeftovers(LocalStore store) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.home().realStoreDir())) {
            for (Path f : ds) {
                StorePath p;
                try {
                    p = StorePath.parseBaseName(f.getFileName().toString());
                } catch (RuntimeException e) {
                    continue;
                }
                if (store.isValid(p)) {
                    continue;
                }
                Optional<PathLocks.PathLock> lock = store.locks().tryLock(p);
                if (lock.isEmpty()) {
                    continue;
                }
                try (PathLocks.PathLock held = lock.get()) {
                    if (!store.isValid(p)) {
                        Canonicaliser.deleteTree(f);
                        n++;
                    }
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot list " + store.home().realStoreDir(), e);
        }
        return n;
    }

}
