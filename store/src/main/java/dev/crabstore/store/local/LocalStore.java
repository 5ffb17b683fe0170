package dev.crabstore.store.local;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.ReferenceScanner;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The local store: immutable paths under {@link StoreHome#realStoreDir()}, valid when the database says so.
 * Every way into the store but imports ends in {@link #commit}: canonicalise, hash and scan the finished tree, rename
 * it into place, then commit its row, so a crash leaves either nothing or a valid path. Imports from binary caches
 * restore in place under the path's lock and then commit the row ({@link #importLocation}); a crash in between
 * leaves an invalid leftover, deleted by the next import of the path, by {@link StoreRecovery} or by the garbage
 * collector. Thread-safe; several processes may
 * share one store (per-path locks and SQLite serialise them).
 */
public final class LocalStore implements AutoCloseable {
    private final StoreHome home;
    private final StoreDatabase db;
    private final PathLocks locks;
    private final Clock clock;
    private final GcLock gcLock;
    private TempRoots tempRoots;
    private Path scratchRoot;
    private final Set<StorePath> registeredHere = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private StoreRecovery.Result recoveredAtOpen = new StoreRecovery.Result(0, 0, 0);
    private boolean closed;

    private LocalStore(StoreHome home, StoreDatabase db, Clock clock) {
        this.home = home;
        this.db = db;
        this.locks = new PathLocks(home.locksDir());
        this.clock = clock;
        this.gcLock = new GcLock(home.root().resolve("var/gc.lock"));
    }

    public GcLock gcLock() {
        return gcLock;
    }

    private synchronized TempRoots tempRoots() {
        if (tempRoots == null) {
            tempRoots = TempRoots.open(home);
        }
        return tempRoots;
    }

    /**
     * Keeps {@code p} from the garbage collector for as long as this store is open, and says whether it is valid.
     * Call it before relying on a path: a collector running now either finishes first (and the answer reflects it)
     * or starts after and sees the temporary root.
     */
    public boolean protect(StorePath p) {
        try (GcLock.Held l = gcLock.shared()) {
            tempRoots().add(p);
            return db.isValid(p);
        }
    }

    /**
     * Keeps {@code p} from the garbage collector until the returned root is closed, if it is valid (else empty): for
     * a long-running process such as {@code serve}, which must not keep every path it ever sent for as long as it
     * runs, as {@link #protect} would. The root is a temporary roots file of its own, deleted when closed.
     */
    public Optional<TempRoots> protectUntilClosed(StorePath p) {
        TempRoots root = TempRoots.open(home);
        try (GcLock.Held l = gcLock.shared()) {
            root.add(p);
            if (db.isValid(p)) {
                return Optional.of(root);
            }
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
        root.close();
        return Optional.empty();
    }

    /** {@link #protect} for many paths at once: one lock, one write of temporary roots; returns the valid ones. */
    public java.util.Set<StorePath> protectAll(java.util.Collection<StorePath> paths) {
        try (GcLock.Held l = gcLock.shared()) {
            tempRoots().addAll(paths);
            return db.validAmong(paths);
        }
    }

    /** Opens the store, first cleaning up after processes that died using it ({@link StoreRecovery}). */
    public static LocalStore open(StoreHome home, Clock clock) {
        try {
            Files.createDirectories(home.realStoreDir());
            Files.createDirectories(home.tempDir());
        } catch (IOException e) {
            throw new StoreIOException("cannot create the store at " + home.root(), e);
        }
        LocalStore store = new LocalStore(home, StoreDatabase.open(home.databaseFile()), clock);
        store.recoveredAtOpen = StoreRecovery.recover(store);
        return store;
    }

    /** Whether this store object made {@code p} valid (built, fetched or added it), as opposed to another process. */
    public boolean registeredHere(StorePath p) {
        return registeredHere.contains(p);
    }

    /** What opening the store cleaned up after dead processes. */
    public StoreRecovery.Result recoveredAtOpen() {
        return recoveredAtOpen;
    }

    public StoreHome home() {
        return home;
    }

    public StoreDir storeDir() {
        return home.storeDir();
    }

    /**
     * The derivation a {@code .drv} path of this store holds, read and parsed (the one reader of {@code .drv} files;
     * callers check validity and word their own "missing" errors).
     *
     * @throws StoreIOException when the file cannot be read
     * @throws dev.crabstore.core.InvalidFormatException when it is no derivation
     */
    public dev.crabstore.core.drv.Derivation readDerivation(StorePath drvPath) {
        String printed = storeDir().print(drvPath);
        try {
            String text = Files.readString(realPath(drvPath), java.nio.charset.StandardCharsets.UTF_8);
            return dev.crabstore.core.drv.AtermParser.parse(text, storeDir(), printed);
        } catch (IOException e) {
            throw new StoreIOException("cannot read derivation " + printed, e);
        }
    }

    /** Where the files of {@code p} are on this machine. */
    public Path realPath(StorePath p) {
        return home.realStoreDir().resolve(p.baseName());
    }

    /**
     * The store path a user names on a command line, as Nix's {@code followLinksToStorePath} finds it: the logical
     * path ({@code /crabstore/store/<hash>-<name>}), its physical location under {@code CRABSTORE_HOME}, a file inside
     * either, or a link that leads there (such as {@code target/debug/foo}). It need not be valid.
     */
    public StorePath followLinksToStorePath(String arg) {
        String logical = storeDir().path();
        String real = home.realStoreDir().toString();
        String s = arg;
        if (!s.startsWith(logical + "/") && !s.startsWith(real + "/")) {
            Path p = Path.of(arg).toAbsolutePath().normalize();
            if (!java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new dev.crabstore.core.InvalidFormatException("path '" + arg + "' does not exist");
            }
            try {
                p = p.toRealPath();
            } catch (java.io.IOException e) {
                // a link that leads nowhere: take the name as given
            }
            s = p.toString();
        }
        for (String prefix : List.of(logical, real)) {
            if (s.startsWith(prefix + "/")) {
                String rest = s.substring(prefix.length() + 1);
                int slash = rest.indexOf('/');
                return StorePath.parseBaseName(slash < 0 ? rest : rest.substring(0, slash));
            }
        }
        throw new dev.crabstore.core.InvalidFormatException("path '" + arg + "' is not in the store dir " + logical
                + (real.equals(logical) ? "" : " (nor in its location on this machine, " + real + ")"));
    }

    public boolean isValid(StorePath p) {
        return db.isValid(p);
    }

    public Optional<PathInfo> query(StorePath p) {
        return db.query(p);
    }

    /** The valid path with this hash part, if any, and the id of its database row. */
    public Optional<StoreDatabase.ValidRow> queryPathFromHashPart(String hashPart) {
        return db.queryPathFromHashPart(hashPart);
    }

    /** Records how {@code p} was made (see {@link Provenance}). */
    public void recordProvenance(StorePath p, String json) {
        db.setProvenance(p, json);
    }

    public Optional<String> provenance(StorePath p) {
        return db.provenance(p);
    }

    public StoreDatabase database() {
        return db;
    }

    public PathLocks locks() {
        return locks;
    }

    /**
     * This process's own directory under the store's temp dir, {@code var/tmp/<token>/} (the token of its temporary
     * roots file): deleted when the store is closed, or by {@link StoreRecovery} once the process is dead, never while
     * it lives.
     */
    public synchronized Path scratchRoot() {
        if (scratchRoot == null) {
            Path d = home.tempDir().resolve(tempRoots().token());
            try {
                Files.createDirectories(d);
            } catch (IOException e) {
                throw new StoreIOException("cannot create a temp dir in " + home.tempDir(), e);
            }
            scratchRoot = d;
        }
        return scratchRoot;
    }

    /** A fresh directory in {@link #scratchRoot()}, on the same file system as the store. */
    public Path newTempDir(String label) {
        try {
            return Files.createTempDirectory(scratchRoot(), StorePath.sanitizeName(label) + "-");
        } catch (IOException e) {
            throw new StoreIOException("cannot create a temp dir in " + scratchRoot(), e);
        }
    }

    /**
     * Adds a file or tree by content, as {@code nix store add-path} does: the path is the source path of its NAR
     * hash. Entries for which {@code include} is false are left out (e.g. {@code target/} and VCS dirs).
     */
    public StorePath addPath(Path source, String name, Predicate<Path> include) {
        return addPath(source, name, include, NarDumper.digest(source, include));
    }

    /**
     * {@link #addPath(Path, String, Predicate)} for a tree whose NAR digest is already known (e.g. from
     * {@code SourceDigestCache}). The copy that goes into the store is hashed again and must have that digest.
     */
    public StorePath addPath(Path source, String name, Predicate<Path> include, NarDigest digest) {
        StorePath path = storeDir().makeSourcePath(name, digest.narHash(), List.of(), false);
        return addByContent(path, Set.of(), new ContentAddress(ContentAddressMethod.NAR, digest.narHash()), temp -> {
            Path copy = temp.resolve("copy");
            TreeCopier.copy(source, copy, include);
            Canonicaliser.canonicalise(copy);
            if (!NarDumper.digest(copy).equals(digest)) {
                throw new StoreIOException("cannot add " + source + ": it changed while it was being added");
            }
            return copy;
        }, digest);
    }

    /** Adds a text file (a {@code .drv}) by content with the given references. */
    public StorePath addText(String name, byte[] contents, Set<StorePath> references) {
        Hash h = Hash.sha256(contents);
        StorePath path = storeDir().makeTextPath(name, h, references);
        if (protect(path)) {
            return path;
        }
        // A single file needs no scratch directory (removing one per .drv was the main cost of a cold plan).
        try (PathLocks.PathLock lock = locks.lock(path)) {
            if (db.isValid(path)) {
                return path;
            }
            Path file = scratchRoot().resolve("text-" + path.hashPart() + "-" + Thread.currentThread().getId());
            try {
                Files.write(file, contents);
                Canonicaliser.canonicalise(file);
                commit(path, file, references, Optional.empty(), Optional.of(new ContentAddress(ContentAddressMethod.TEXT,
                        h)), NarDumper.digest(file));
            } catch (IOException e) {
                throw new StoreIOException("cannot add " + storeDir().print(path), e);
            } finally {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // left for the next GC of var/tmp
                }
            }
        }
        return path;
    }

    /** A text file to add by content: its name, bytes and references (as {@link #addText}). */
    public record Text(String name, byte[] contents, Set<StorePath> references) {}

    /**
     * {@link #addText} for many files (a plan's {@code .drv} files), with one validity query, one write of temporary
     * roots and one database transaction for all instead of one each. A file's references must be valid or come
     * before it in {@code texts}. Each new file is written under its path's lock (taken in path order, so two
     * processes adding overlapping batches cannot deadlock) and renamed into place before the rows are committed
     * together: a crash in between leaves invalid files that {@link StoreRecovery} removes, as for one path.
     *
     * @return the paths, in the order of {@code texts}
     */
    public List<StorePath> addTexts(List<Text> texts) {
        List<StorePath> paths = new java.util.ArrayList<>(texts.size());
        Map<StorePath, Text> missing = new java.util.LinkedHashMap<>();
        Map<StorePath, Hash> hashes = new java.util.HashMap<>();
        for (Text t : texts) {
            Hash h = Hash.sha256(t.contents());
            StorePath p = storeDir().makeTextPath(t.name(), h, t.references());
            paths.add(p);
            missing.putIfAbsent(p, t);
            hashes.put(p, h);
        }
        missing.keySet().removeAll(protectAll(missing.keySet()));
        if (missing.isEmpty()) {
            return paths;
        }
        List<PathLocks.PathLock> held = new java.util.ArrayList<>();
        List<Path> written = new java.util.ArrayList<>();
        try {
            for (StorePath p : new TreeSet<>(missing.keySet())) {
                held.add(locks.lock(p));
            }
            // Another process may have added some while we waited for their locks.
            missing.keySet().removeAll(db.validAmong(missing.keySet()));
            List<PathInfo> rows = new java.util.ArrayList<>();
            long now = clock.instant().getEpochSecond();
            try (GcLock.Held l = gcLock.shared()) {
                for (Map.Entry<StorePath, Text> e : missing.entrySet()) {
                    StorePath p = e.getKey();
                    Path file = scratchRoot().resolve("text-" + p.hashPart() + "-" + Thread.currentThread().getId());
                    written.add(file);
                    Files.write(file, e.getValue().contents());
                    Canonicaliser.canonicalise(file);
                    NarDigest digest = NarDumper.digest(file);
                    Path real = realPath(p);
                    if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                        Canonicaliser.deleteTree(real);
                    }
                    Files.move(file, real, StandardCopyOption.ATOMIC_MOVE);
                    rows.add(new PathInfo(p, digest.narHash(), digest.narSize(), new TreeSet<>(e.getValue()
                            .references()), Optional.empty(), new TreeSet<>(), Optional.of(new ContentAddress(
                            ContentAddressMethod.TEXT, hashes.get(p))), now));
                }
                db.registerAll(rows);
                missing.keySet().forEach(registeredHere::add);
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot add " + missing.size() + " text files to the store", e);
        } finally {
            for (Path f : written) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // left for the next GC of var/tmp
                }
            }
            for (PathLocks.PathLock l : held) {
                l.close();
            }
        }
        return paths;
    }

    /** Writes the contents of a path into a scratch dir and returns the canonical tree. */
    @FunctionalInterface
    private interface Materialiser {
        Path write(Path scratch) throws IOException;
    }

    /**
     * The common end of adding by content: nothing to do if already valid; else, under the path's lock,
     * materialise it in scratch space and commit it. {@code digest} is the known NAR digest, or null to compute it.
     */
    private StorePath addByContent(StorePath path, Set<StorePath> references, ContentAddress ca, Materialiser m,
            NarDigest digest) {
        if (protect(path)) {
            return path;
        }
        try (PathLocks.PathLock lock = locks.lock(path)) {
            if (db.isValid(path)) {
                return path;
            }
            Path temp = newTempDir(path.name());
            try {
                Path tree = m.write(temp);
                commit(path, tree, references, Optional.empty(), Optional.of(ca),
                        digest != null ? digest : NarDumper.digest(tree));
            } catch (IOException e) {
                throw new StoreIOException("cannot add " + storeDir().print(path), e);
            } finally {
                Canonicaliser.deleteTree(temp);
            }
        }
        return path;
    }

    /**
     * Registers a finished build output found at {@code built} (outside the store, on the same file system) as
     * {@code path}. Its references are the candidates whose hash parts occur in its bytes (and itself, if it does).
     * The caller holds the path's lock.
     */
    public PathInfo registerOutput(StorePath path, Path built, Collection<StorePath> referenceCandidates,
            Optional<StorePath> deriver) {
        return registerOutput(path, built, referenceCandidates, deriver, Optional.empty());
    }

    /**
     * {@link #registerOutput(StorePath, Path, Collection, Optional)} for an output that has a content address (that
     * of a fixed-output derivation, already checked): it is recorded, so that binary caches can serve the path
     * without a signature, as Nix does.
     */
    public PathInfo registerOutput(StorePath path, Path built, Collection<StorePath> referenceCandidates,
            Optional<StorePath> deriver, Optional<ContentAddress> ca) {
        Set<StorePath> candidates = new TreeSet<>(referenceCandidates);
        candidates.add(path);
        Canonicaliser.canonicalise(built);
        ReferenceScanner scanner = new ReferenceScanner(candidates);
        HashingOutputStream h = new HashingOutputStream(HashAlgorithm.SHA256, scanner);
        NarDumper.dump(built, h);
        NarDigest digest = new NarDigest(h.hash(), h.count());
        return commit(path, built, scanner.found(), deriver, ca, digest);
    }

    /**
     * Registers a path fetched from a binary cache, restored at {@code tree}, with the metadata the cache gave
     * (references, deriver, signatures, content address). Its references must be valid. The caller holds the lock.
     */
    public PathInfo registerFetched(PathInfo info, Path tree) {
        Canonicaliser.canonicalise(tree);
        NarDigest digest = NarDumper.digest(tree);
        if (!digest.narHash().equals(info.narHash()) || digest.narSize() != info.narSize()) {
            throw new StoreIOException("fetched " + storeDir().print(info.path()) + " does not match its NAR hash");
        }
        return moveAndRegister(tree, info);
    }

    /**
     * Where to restore {@code p} when importing it in place, as Nix does (no scratch directory, no rename): its real
     * location, cleared of whatever an interrupted run left there. The caller holds the path's lock and has seen that
     * the path is not valid; until {@link #registerImported} commits its row, what is written there is not valid. The
     * path becomes a temporary root first, so that if this process dies before registering it, {@link StoreRecovery}
     * finds the tree and deletes it (as the next import or the garbage collector would).
     */
    public Path importLocation(StorePath p) {
        try (GcLock.Held l = gcLock.shared()) {
            tempRoots().add(p);
            Path real = realPath(p);
            if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                Canonicaliser.deleteTree(real);
            }
            return real;
        }
    }

    /**
     * Registers a path restored canonically at {@link #importLocation} from a NAR stream whose hash and size the
     * caller checked against {@code info} while restoring it (as Nix does when it imports): the restorer writes exactly
     * what the NAR holds, so hashing the tree again would only double the cost of every download. Its references
     * must be valid. The caller holds the path's lock.
     */
    public PathInfo registerImported(PathInfo info) {
        try (GcLock.Held l = gcLock.shared()) {
            tempRoots().add(info.path());
            PathInfo registered = info.withRegistrationTime(clock.instant().getEpochSecond());
            db.register(registered);
            registeredHere.add(info.path());
            return registered;
        }
    }

    /**
     * Moves a canonical {@code tree} whose NAR digest is {@code digest} to the path's real location (replacing
     * leftovers of an interrupted run) and commits the row. The caller holds the path's lock.
     */
    private PathInfo commit(StorePath path, Path tree, Set<StorePath> references, Optional<StorePath> deriver,
            Optional<ContentAddress> ca, NarDigest digest) {
        return moveAndRegister(tree, new PathInfo(path, digest.narHash(), digest.narSize(), new TreeSet<>(references),
                deriver, new TreeSet<>(), ca, 0));
    }

    /**
     * The last two steps of every way in: rename the canonical tree into place (replacing an invalid leftover of an
     * interrupted run) and commit the row, under a temporary root and the shared GC lock.
     */
    private PathInfo moveAndRegister(Path tree, PathInfo info) {
        try (GcLock.Held l = gcLock.shared()) {
            tempRoots().add(info.path());
            Path real = realPath(info.path());
            if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                Canonicaliser.deleteTree(real);
            }
            try {
                Files.move(tree, real, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new StoreIOException("cannot move " + info.path() + " into the store", e);
            }
            PathInfo registered = info.withRegistrationTime(clock.instant().getEpochSecond());
            db.register(registered);
            registeredHere.add(info.path());
            return registered;
        }
    }

    /**
     * Repairs a valid path: puts {@code tree} (outside the store, on the same file system, e.g. under
     * {@link #newTempDir}) in place of whatever is at the path's location now, once it is canonical and its NAR hash
     * and size are the registered ones. The swap is atomic for readers of the path's name: the old tree is renamed
     * aside, the new one renamed in, then the old one deleted. The database row is not touched. The caller holds the
     * path's lock.
     *
     * @throws StoreIOException if the path is not valid or {@code tree} does not have its registered NAR hash
     */
    public void replaceContents(StorePath p, Path tree) {
        PathInfo info = db.query(p).orElseThrow(() -> new StoreIOException("cannot repair " + storeDir().print(p)
                + ": it is not valid in the store"));
        Canonicaliser.canonicalise(tree);
        NarDigest digest = NarDumper.digest(tree);
        if (!digest.narHash().equals(info.narHash()) || digest.narSize() != info.narSize()) {
            throw new StoreIOException("cannot repair " + storeDir().print(p) + ": the replacement has NAR hash "
                    + digest.narHash() + " (" + digest.narSize() + " bytes), not the registered " + info.narHash()
                    + " (" + info.narSize() + " bytes)");
        }
        try (GcLock.Held l = gcLock.shared()) {
            tempRoots().add(p);
            Path real = realPath(p);
            Path aside = null;
            try {
                if (Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                    aside = scratchRoot().resolve("repair-old-" + p.hashPart() + "-" + System.nanoTime());
                    if (Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
                        // Moving a directory to another parent rewrites its "..": it must be writable.
                        real.toFile().setWritable(true, true);
                    }
                    Files.move(real, aside, StandardCopyOption.ATOMIC_MOVE);
                }
                Files.move(tree, real, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (aside != null && !Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.move(aside, real, StandardCopyOption.ATOMIC_MOVE); // the damaged tree, as it was
                    } catch (IOException again) {
                        e.addSuppressed(again);
                    }
                }
                throw new StoreIOException("cannot put the repaired " + storeDir().print(p) + " in place", e);
            }
            if (aside != null) {
                Canonicaliser.deleteTree(aside);
            }
        }
    }

    /**
     * Invalidates {@code p} and deletes its tree, for the garbage collector (which holds the exclusive GC lock, and
     * has checked that no valid path refers to it). {@code p} is first named in this process's temporary roots file,
     * so that if the process dies between the two steps, {@link StoreRecovery} deletes the rest of the tree.
     */
    void deleteValidPath(StorePath p) {
        tempRoots().add(p);
        db.invalidate(p);
        Canonicaliser.deleteTree(realPath(p));
    }

    /** Streams the NAR of a valid path. */
    public void dumpPath(StorePath p, OutputStream out) {
        if (!db.isValid(p)) {
            throw new StoreIOException("path " + storeDir().print(p) + " is not valid in the store");
        }
        NarDumper.dump(realPath(p), out);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (scratchRoot != null) {
                Canonicaliser.deleteTree(scratchRoot);
            }
        } finally {
            if (tempRoots != null) {
                tempRoots.close();
            }
            gcLock.close();
            db.close();
        }
    }
}
