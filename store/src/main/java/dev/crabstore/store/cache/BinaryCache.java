package dev.crabstore.store.cache;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.cache.NixCacheInfo;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.build.DiagnosticLogs;
import dev.crabstore.store.build.Diagnostics;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.cache.transport.TransportException;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.PathLocks;
import dev.crabstore.store.nar.NarRestorer;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Nix-format binary cache over a {@link CacheTransport}: {@code nix-cache-info}, {@code <hash>.narinfo} and
 * {@code nar/<filehash>.nar.<ext>}. Uploads closures, references first; downloads verify trust, the NAR's hash and
 * size while streaming, and register nothing unless everything checks out.
 */
public final class BinaryCache {
    /** What {@link #fetch} returns for a path that was valid once its lock was taken. */
    public static final long ALREADY_VALID = -1;
    /** Nix serves build logs as plain text. */
    static final String LOG_TYPE = "text/plain; charset=utf-8";
    private final CacheTransport transport;
    private final StoreDir storeDir;
    private final Map<StorePath, NarInfo> narInfos; // null: ask every time
    private volatile NixCacheInfo cacheInfo;

    public BinaryCache(CacheTransport transport, StoreDir storeDir) {
        this(transport, storeDir, false);
    }

    /**
     * @param rememberNarInfos keep every narinfo found for the life of this object, so that asking whether a cache
     *                         has a path and then fetching it reads the narinfo once (substituters do; "not there"
     *                         is remembered by them, for their negative TTL)
     */
    public BinaryCache(CacheTransport transport, StoreDir storeDir, boolean rememberNarInfos) {
        this.transport = transport;
        this.storeDir = storeDir;
        this.narInfos = rememberNarInfos ? new ConcurrentHashMap<>() : null;
    }

    public String describe() {
        return transport.describe();
    }

    /** A file of this cache, for messages: {@code http://host/x.narinfo}, with no doubled slash. */
    private String at(String name) {
        String d = describe();
        return d.endsWith("/") ? d + name : d + "/" + name;
    }

    /** The cache's nix-cache-info (read once); a cache for another store dir is refused. */
    public NixCacheInfo cacheInfo() {
        NixCacheInfo known = cacheInfo;
        if (known == null) {
            known = readCacheInfo();
            cacheInfo = known;
        }
        return known;
    }

    private NixCacheInfo readCacheInfo() {
        Optional<InputStream> in = transport.get("nix-cache-info");
        if (in.isEmpty()) {
            return new NixCacheInfo(Optional.empty(), Optional.empty(), java.util.OptionalInt.empty());
        }
        NixCacheInfo info = NixCacheInfo.parse(read(in.get(), "nix-cache-info"), at("nix-cache-info"));
        if (info.storeDir().isPresent() && !info.storeDir().get().equals(storeDir.path())) {
            throw new InvalidFormatException("binary cache " + describe() + " is for stores with prefix '"
                    + info.storeDir().get() + "', not '" + storeDir + "'");
        }
        return info;
    }

    /** Where a cache keeps the build log of a derivation, as Nix's binary caches do: {@code log/<drv name>}. */
    public static String logPath(StorePath drvPath) {
        return "log/" + drvPath.baseName();
    }

    /**
     * The build log the cache keeps for {@code drvPath}, or empty when it has none. Logs are not signed: callers take
     * from them only what they check ({@link Diagnostics#fromCache}). Empty too for a log larger than
     * {@link Diagnostics#MAX_FETCHED_LOG} bytes, read no further.
     */
    public Optional<String> buildLog(StorePath drvPath) {
        Optional<InputStream> in = transport.get(logPath(drvPath));
        if (in.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream s = in.get()) {
            byte[] b = s.readNBytes(Diagnostics.MAX_FETCHED_LOG + 1);
            return b.length > Diagnostics.MAX_FETCHED_LOG ? Optional.empty()
                    : Optional.of(new String(b, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TransportException("cannot read " + logPath(drvPath) + " from " + transport.describe(), e);
        }
    }

    /** The narinfo of {@code p}, or empty when the cache does not have it (or has one for another path). */
    public Optional<NarInfo> narInfo(StorePath p) {
        if (narInfos == null) {
            return readNarInfo(p);
        }
        NarInfo known = narInfos.get(p);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<NarInfo> read = readNarInfo(p);
        read.ifPresent(i -> narInfos.put(p, i));
        return read;
    }

    private Optional<NarInfo> readNarInfo(StorePath p) {
        String name = p.hashPart() + ".narinfo";
        Optional<InputStream> in = transport.get(name);
        if (in.isEmpty()) {
            return Optional.empty();
        }
        NarInfo info = NarInfo.parse(read(in.get(), name), storeDir, at(name));
        // Nix treats a narinfo naming another path as absent.
        return info.path().equals(p) ? Optional.of(info) : Optional.empty();
    }

    private static String read(InputStream in, String what) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TransportException("cannot read " + what, e);
        }
    }

    /** Uploads {@code roots} and their closure (references first), skipping what the cache has. Returns uploaded paths. */
    public List<StorePath> upload(LocalStore store, Set<StorePath> roots, Optional<SecretKey> key,
            Compression compression) {
        return upload(store, roots, key.stream().toList(), compression);
    }

    /** {@link #upload(LocalStore, Set, Optional, Compression)}, each narinfo signed with every one of {@code keys}. */
    public List<StorePath> upload(LocalStore store, Set<StorePath> roots, List<SecretKey> keys,
            Compression compression) {
        if (!transport.exists("nix-cache-info")) {
            putText("nix-cache-info", NixCacheInfo.of(storeDir.path(), true, 40).render(), "text/x-nix-cache-info",
                    store);
        } else {
            cacheInfo();
        }
        List<StorePath> uploaded = new ArrayList<>();
        for (StorePath p : closureReferencesFirst(store, roots)) {
            if (transport.exists(p.hashPart() + ".narinfo")) {
                continue;
            }
            uploadOne(store, p, keys, compression);
            uploaded.add(p);
        }
        return uploaded;
    }

    private List<StorePath> closureReferencesFirst(LocalStore store, Set<StorePath> roots) {
        LinkedHashSet<StorePath> order = new LinkedHashSet<>();
        Set<StorePath> visiting = new TreeSet<>();
        for (StorePath r : roots) {
            visit(store, r, order, visiting);
        }
        return new ArrayList<>(order);
    }

    private void visit(LocalStore store, StorePath p, LinkedHashSet<StorePath> order, Set<StorePath> visiting) {
        if (order.contains(p) || !visiting.add(p)) {
            return;
        }
        PathInfo info = store.query(p).orElseThrow(() -> new StoreIOException("path " + storeDir.print(p)
                + " is not valid in the local store"));
        for (StorePath r : info.references()) {
            if (!r.equals(p)) {
                visit(store, r, order, visiting);
            }
        }
        order.add(p);
    }

    private void uploadOne(LocalStore store, StorePath p, List<SecretKey> keys, Compression compression) {
        PathInfo info = store.query(p).orElseThrow();
        Path temp = store.newTempDir("upload-" + p.name());
        try {
            Path file = temp.resolve("nar");
            HashingOutputStream fileHash;
            HashingOutputStream narHash;
            try (OutputStream raw = Files.newOutputStream(file)) {
                fileHash = new HashingOutputStream(HashAlgorithm.SHA256, raw);
                try (OutputStream compressed = compression.compress(fileHash)) {
                    narHash = new HashingOutputStream(HashAlgorithm.SHA256, compressed);
                    store.dumpPath(p, narHash);
                    narHash.flush();
                }
            }
            if (!narHash.hash().equals(info.narHash()) || narHash.count() != info.narSize()) {
                throw new StoreIOException("store path " + storeDir.print(p) + " is corrupt: its contents no longer "
                        + "match its registered NAR hash (run 'crabstore store verify --check-contents')");
            }
            Hash fh = fileHash.hash();
            String url = "nar/" + fh.toNix32() + compression.extension();
            transport.put(url, file, "application/x-nix-nar");
            NarInfo narInfo = new NarInfo(info.withRegistrationTime(0), url, compression.nixName(), Optional.of(fh),
                    OptionalLong.of(fileHash.count()), Optional.empty());
            for (SecretKey key : keys) {
                narInfo = narInfo.sign(key, storeDir);
            }
            // Before the narinfo: whoever sees the path in the cache finds its log too.
            if (info.deriver().isPresent()) {
                Optional<String> log = new DiagnosticLogs(store.home().logDir()).text(info.deriver().get());
                if (log.isPresent()) {
                    putText(logPath(info.deriver().get()), log.get(), LOG_TYPE, store);
                }
            }
            putText(p.hashPart() + ".narinfo", narInfo.render(storeDir), "text/x-nix-narinfo", store);
        } catch (IOException e) {
            throw new StoreIOException("cannot upload " + storeDir.print(p), e);
        } finally {
            Canonicaliser.deleteTree(temp);
        }
    }

    private void putText(String name, String text, String type, LocalStore store) {
        Path temp = store.newTempDir("upload");
        try {
            Path f = Files.writeString(temp.resolve("f"), text, StandardCharsets.UTF_8);
            transport.put(name, f, type);
        } catch (IOException e) {
            throw new StoreIOException("cannot write " + name, e);
        } finally {
            Canonicaliser.deleteTree(temp);
        }
    }

    /** Why a path could not be fetched. */
    public static final class RejectedException extends StoreIOException {
        public RejectedException(String message) {
            super(message);
        }
    }

    /** How many narinfos and NARs are fetched at once. */
    private static final int PARALLEL = 8;

    /**
     * Downloads {@code p} and its references (references first) into the local store, trusting only what
     * {@code trusted} signs (or what is content-addressed). Returns the paths fetched.
     */
    public List<StorePath> download(LocalStore store, StorePath p, TrustedKeys trusted) {
        return download(store, List.of(p), trusted);
    }

    /**
     * Downloads the closures of {@code roots}: first every narinfo (a level of references at a time, each level's
     * lookups in parallel; any missing or untrusted one fails the whole download before a byte of NAR is fetched),
     * then the NARs, several at once, each registered as soon as its references are.
     */
    public List<StorePath> download(LocalStore store, java.util.Collection<StorePath> roots, TrustedKeys trusted) {
        cacheInfo();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "download");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<StorePath, NarInfo> infos = new java.util.LinkedHashMap<>();
            java.util.Set<StorePath> seen = new java.util.HashSet<>();
            List<StorePath> level = new ArrayList<>(roots);
            while (!level.isEmpty()) {
                Map<StorePath, java.util.concurrent.CompletableFuture<NarInfo>> lookups = new java.util.LinkedHashMap<>();
                for (StorePath p : level) {
                    if (seen.add(p) && !store.protect(p)) {
                        lookups.put(p, java.util.concurrent.CompletableFuture.supplyAsync(() -> trustedInfo(p, trusted),
                                pool));
                    }
                }
                List<StorePath> next = new ArrayList<>();
                for (Map.Entry<StorePath, java.util.concurrent.CompletableFuture<NarInfo>> e : lookups.entrySet()) {
                    NarInfo info = join(e.getValue());
                    infos.put(e.getKey(), info);
                    info.info().references().stream().filter(r -> !r.equals(e.getKey())).forEach(next::add);
                }
                level = next;
            }
            List<StorePath> order = new ArrayList<>();
            java.util.Set<StorePath> visited = new java.util.HashSet<>();
            for (StorePath p : infos.keySet()) {
                referencesFirst(p, infos, visited, order);
            }
            // Every NAR is fetched and restored at once, the largest first, and each path is registered as soon as
            // its references are: the largest is often the root (a binary), which waiting for its whole closure
            // would leave alone at the end.
            List<StorePath> largestFirst = new ArrayList<>(order);
            largestFirst.sort(java.util.Comparator.comparingLong((StorePath p) -> infos.get(p).info().narSize())
                    .reversed());
            Map<StorePath, java.util.concurrent.CompletableFuture<Restored>> restores = new java.util.HashMap<>();
            for (StorePath p : largestFirst) {
                restores.put(p, java.util.concurrent.CompletableFuture.supplyAsync(() -> restoreIfFree(store,
                        infos.get(p)), pool));
            }
            Map<StorePath, java.util.concurrent.CompletableFuture<Void>> fetches = new java.util.HashMap<>();
            for (StorePath p : order) {
                NarInfo info = infos.get(p);
                java.util.concurrent.CompletableFuture<Void> refs = java.util.concurrent.CompletableFuture.allOf(
                        info.info().references().stream().filter(r -> !r.equals(p) && fetches.containsKey(r))
                                .map(fetches::get).toArray(java.util.concurrent.CompletableFuture[]::new));
                fetches.put(p, restores.get(p).thenCompose(restored -> refs.handle((ok, failed) -> {
                    if (failed != null) {
                        restored.discard();
                        throw new java.util.concurrent.CompletionException(failed instanceof
                                java.util.concurrent.CompletionException c ? c.getCause() : failed);
                    }
                    return restored;
                })).thenCompose(restored -> restored.register(info)));
            }
            RuntimeException first = null;
            for (StorePath p : order) {
                try {
                    join(fetches.get(p));
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
            return order;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A NAR restored in place, under its path's lock, and not registered yet (its references may still be on their
     * way); or a path another thread or process was making when asked, fetched the usual way once its references are
     * valid.
     */
    private final class Restored {
        private final LocalStore store;
        private final PathLocks.PathLock lock; // null: the path was busy
        private final Path out; // null: nothing restored (busy, or valid already)

        Restored(LocalStore store, PathLocks.PathLock lock, Path out) {
            this.store = store;
            this.lock = lock;
            this.out = out;
        }

        /** Registers the path (its references are valid now) and releases its lock. */
        java.util.concurrent.CompletableFuture<Void> register(NarInfo info) {
            if (lock == null) {
                // Waiting for another's lock must not take a pool thread: the holder may be waiting for paths this
                // download has yet to fetch.
                java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
                Thread t = new Thread(() -> {
                    try {
                        fetch(store, info);
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                }, "download-busy");
                t.setDaemon(true);
                t.start();
                return done;
            }
            try (lock) {
                if (out != null) {
                    try {
                        store.registerImported(info.info());
                    } catch (RuntimeException e) {
                        Canonicaliser.deleteTree(out);
                        throw e;
                    }
                }
            }
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        /** Deletes what was restored (a reference could not be fetched) and releases the lock. */
        void discard() {
            if (lock != null) {
                try (lock) {
                    if (out != null) {
                        Canonicaliser.deleteTree(out);
                    }
                }
            }
        }
    }

    /**
     * Restores {@code info}'s NAR in place, verified, if nobody else holds its path's lock, and keeps the lock for
     * the registration; never waits for a lock (see {@link Restored#register}).
     */
    private Restored restoreIfFree(LocalStore store, NarInfo info) {
        StorePath p = info.path();
        Optional<PathLocks.PathLock> lock = store.locks().tryLock(p);
        if (lock.isEmpty()) {
            return new Restored(store, null, null);
        }
        try {
            if (store.isValid(p)) {
                return new Restored(store, lock.get(), null);
            }
            Path out = store.importLocation(p);
            try {
                restore(info, out, true);
            } catch (RuntimeException e) {
                Canonicaliser.deleteTree(out);
                throw e;
            }
            return new Restored(store, lock.get(), out);
        } catch (RuntimeException e) {
            lock.get().close();
            throw e;
        }
    }

    private NarInfo trustedInfo(StorePath p, TrustedKeys trusted) {
        NarInfo info = narInfo(p).orElseThrow(() -> new RejectedException("binary cache " + describe()
                + " does not have " + storeDir.print(p)));
        if (!info.isTrusted(trusted, storeDir)) {
            throw new RejectedException("the narinfo of " + storeDir.print(p) + " in " + describe()
                    + " is not signed by a trusted key");
        }
        return info;
    }

    private static void referencesFirst(StorePath p, Map<StorePath, NarInfo> infos, java.util.Set<StorePath> visited,
            List<StorePath> order) {
        if (!infos.containsKey(p) || !visited.add(p)) {
            return;
        }
        for (StorePath r : infos.get(p).info().references()) {
            if (!r.equals(p)) {
                referencesFirst(r, infos, visited, order);
            }
        }
        order.add(p);
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * Fetches the NAR {@code info} describes, verifies its hash and size while it streams, restores it in place (at
     * the path's real location, canonical as it is written) and registers it (its references must be valid already).
     * A NAR that fails to verify is deleted before anything is registered. Trust is the caller's business. Returns
     * the bytes read from the cache, or {@link #ALREADY_VALID} if the path became valid meanwhile (then this cache
     * delivered nothing).
     */
    public long fetch(LocalStore store, NarInfo info) {
        StorePath p = info.path();
        try (PathLocks.PathLock lock = store.locks().lock(p)) {
            if (store.isValid(p)) {
                return ALREADY_VALID; // built or fetched by someone else while we waited for the lock
            }
            for (StorePath r : info.info().references()) {
                if (!r.equals(p) && !store.isValid(r)) {
                    throw new RejectedException("cannot import " + storeDir.print(p) + ": its reference "
                            + storeDir.print(r) + " is not valid");
                }
            }
            Path out = store.importLocation(p);
            long bytes;
            try {
                bytes = restore(info, out, true);
            } catch (RuntimeException e) {
                Canonicaliser.deleteTree(out);
                throw e;
            }
            store.registerImported(info.info());
            return bytes;
        }
    }

    /**
     * Fetches the NAR {@code info} describes and restores it at {@code out} (which must not exist), verifying its hash
     * and size while it streams; registers nothing. Returns the bytes read from the cache. On failure {@code out} may
     * hold part of the tree: the caller deletes it.
     */
    public long fetchInto(NarInfo info, Path out) {
        return restore(info, out, false);
    }

    private long restore(NarInfo info, Path out, boolean canonical) {
        StorePath p = info.path();
        Compression compression = Compression.parse(info.compression());
        InputStream file = transport.get(info.url()).orElseThrow(() -> new RejectedException("file '"
                + info.url() + "' does not exist in binary cache " + describe()));
        CountingInputStream counted = new CountingInputStream(file);
        try (InputStream in = counted) {
            HashingInputStream narStream = new HashingInputStream(compression.decompress(in), info.info()
                    .narSize());
            // The parser reads many small fields; buffered here, each costs no call into the decompressor (a JNI
            // call for zstd) and no digest update of its own.
            InputStream buffered = new java.io.BufferedInputStream(narStream, 1 << 16);
            if (canonical) {
                NarRestorer.restoreCanonical(buffered, out, at(info.url()));
            } else {
                NarRestorer.restore(buffered, out, at(info.url()));
            }
            Hash got = narStream.hash();
            if (!got.equals(info.info().narHash()) || narStream.count() != info.info().narSize()) {
                throw new RejectedException("hash mismatch importing " + storeDir.print(p) + " from " + describe()
                        + ": specified " + info.info().narHash() + " (" + info.info().narSize()
                        + " bytes), got " + got + " (" + narStream.count() + " bytes)");
            }
            return counted.count;
        } catch (IOException e) {
            throw new TransportException("cannot download " + info.url() + " from " + describe(), e);
        }
    }

    /** Counts the bytes read from the cache (the compressed file). */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Hashes what is read and refuses to read more than the promised size (a lying server cannot fill the disk). */
    private static final class HashingInputStream extends FilterInputStream {
        private final java.security.MessageDigest digest = HashAlgorithm.SHA256.newDigest();
        private final long limit;
        private long count;

        HashingInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
                if (count > limit) {
                    throw new IOException("the NAR is larger than its narinfo says (" + limit + " bytes)");
                }
                digest.update(b, off, n);
            }
            return n;
        }

        Hash hash() throws IOException {
            // Whatever follows the archive counts too: the NAR parser stops at its end.
            byte[] rest = new byte[8192];
            while (read(rest, 0, rest.length) > 0) {
                // drained into the digest
            }
            return Hash.of(HashAlgorithm.SHA256, digest.digest());
        }

        long count() {
            return count;
        }
    }
}
