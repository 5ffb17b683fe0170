package dev.crabstore.store.serve;

import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.cache.NixCacheInfo;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.build.DiagnosticLogs;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreDatabase;
import dev.crabstore.store.local.TempRoots;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code crabstore serve} serves: the upload area first, then the local store.
 *
 * <ul>
 *   <li>{@code nix-cache-info}: a pushed one if there is one (it must name this store dir), else
 *       {@code StoreDir}, {@code WantMassQuery: 1}, {@code Priority: 30}.</li>
 *   <li>{@code <hashPart>.narinfo}: a pushed narinfo as it was pushed (signed by whoever pushed it); else, for a
 *       valid path of the local store, a narinfo made from its database row, with the store's own signatures plus
 *       the server's (when it has a key), pointing at a NAR from the {@link NarCache}.</li>
 *   <li>{@code nar/<name>}: a pushed NAR, else a NAR of the NAR cache, else (for the name
 *       {@code <hashPart>-<NarHash>.nar}) the uncompressed NAR of a valid path dumped while it is sent.</li>
 * </ul>
 */
public final class CacheContents {
    public static final int PRIORITY = 30;

    private final LocalStore store;
    private final NarCache nars;
    private final PushArea pushed;
    private final Optional<SecretKey> key;
    private final Compression compression;
    /**
     * Rendered (and signed) narinfos of local paths by base name, with the id of the database row they were made
     * from. A row does not change while it exists and Ed25519 signatures are deterministic, so the text stays right
     * while the path's row is the same and the NAR file exists, which each request checks: one indexed query and
     * one stat, where making the narinfo again costs three queries and a signature.
     */
    private final Map<String, Rendered> rendered = new ConcurrentHashMap<>();

    private record Rendered(long rowId, String text, String url) {}

    /** Bound on {@link #rendered}; past it the map starts over. */
    static final int MAX_RENDERED = 100_000;

    public CacheContents(LocalStore store, NarCache nars, PushArea pushed, Optional<SecretKey> key,
            Compression compression) {
        this.store = store;
        this.nars = nars;
        this.pushed = pushed;
        this.key = key;
        this.compression = compression;
    }

    /**
     * The contents for {@code store}, with the server's state under {@code <store home>/var/serve/}:
     * {@code nar-cache/} (the {@link NarCache}), {@code pushed/} (the {@link PushArea}) and {@code tmp/} (their
     * temporary files, on the same file system for atomic renames; leftovers older than an hour are deleted).
     */
    public static CacheContents forStore(LocalStore store, Optional<SecretKey> key, Compression compression) {
        Path dir = store.home().root().resolve("var/serve");
        Path tmp = dir.resolve("tmp");
        NarCache nars = new NarCache(store, dir.resolve("nar-cache"), tmp);
        PushArea pushed = new PushArea(dir.resolve("pushed"), tmp, store.storeDir());
        deleteOldTempFiles(tmp);
        return new CacheContents(store, nars, pushed, key, compression);
    }

    private static void deleteOldTempFiles(Path tmp) {
        Instant cutoff = Instant.now().minus(Duration.ofHours(1));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "*.tmp")) {
            for (Path p : ds) {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException ignored) {
                    // another server's file, gone already
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * The file {@code f}, or empty when the cache does not have it. With {@code head}, a local narinfo is not
     * prepared (its NAR may not be compressed yet): the resource only says it exists, with length -1.
     */
    public Optional<Resource> get(CacheFile f, boolean head) throws IOException {
        Optional<Resource> up = pushed.find(f);
        if (up.isPresent()) {
            return up;
        }
        return switch (f.kind()) {
            case CACHE_INFO -> Optional.of(Resource.text(NixCacheInfo.of(store.storeDir().path(), true, PRIORITY)
                    .render(), f.kind().contentType()));
            case NARINFO -> localNarInfo(f.hashPart(), head);
            case NAR -> localNar(f.narName());
            case LOG -> new DiagnosticLogs(store.home().logDir()).text(f.logOf())
                    .map(t -> Resource.text(t, f.kind().contentType()));
        };
    }

    private Optional<Resource> localNarInfo(String hashPart, boolean head) {
        Optional<StoreDatabase.ValidRow> row = store.queryPathFromHashPart(hashPart);
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (head) {
            return Optional.of(Resource.streamed(-1, CacheFile.Kind.NARINFO.contentType(), out -> {
                throw new IllegalStateException("a HEAD answer has no body");
            }));
        }
        StorePath p = row.get().path();
        Rendered r = rendered.get(p.baseName());
        if (r == null || r.rowId() != row.get().id() || !nars.exists(r.url())) {
            // Rendering may compress the path's NAR, reading the store: gc must not delete it meanwhile. A rendered
            // narinfo reads nothing of the path (its NAR file is in the NAR cache, or dumped under a root per request).
            Optional<TempRoots> root = store.protectUntilClosed(p);
            if (root.isEmpty()) {
                return Optional.empty(); // collected since the lookup
            }
            try (TempRoots held = root.get()) {
                Optional<PathInfo> info = store.query(p);
                if (info.isEmpty()) {
                    return Optional.empty();
                }
                NarInfo n = narInfo(info.get());
                r = new Rendered(row.get().id(), n.render(store.storeDir()), n.url());
            }
            if (rendered.size() >= MAX_RENDERED) {
                rendered.clear();
            }
            rendered.put(p.baseName(), r);
        }
        return Optional.of(Resource.text(r.text(), CacheFile.Kind.NARINFO.contentType()));
    }

    /** The narinfo served for a valid local path (its NAR compressed first if need be). */
    public NarInfo narInfo(PathInfo info) {
        NarCache.Entry e = nars.prepare(info, compression);
        NarInfo n = new NarInfo(info.withRegistrationTime(0), e.url(), compression.nixName(),
                Optional.of(e.fileHash()), OptionalLong.of(e.fileSize()), Optional.empty());
        return key.isPresent() ? n.sign(key.get(), store.storeDir()) : n;
    }

    private Optional<Resource> localNar(String name) throws IOException {
        Optional<Resource> cached = nars.file(name);
        if (cached.isPresent()) {
            return cached;
        }
        // <hashPart>-<NarHash nix32>.nar: the path's NAR, dumped now.
        int dash = StorePath.HASH_PART_LENGTH;
        String suffix = Compression.NONE.extension();
        if (name.length() != dash + 1 + 52 + suffix.length() || name.charAt(dash) != '-' || !name.endsWith(suffix)) {
            return Optional.empty();
        }
        String hashPart = name.substring(0, dash);
        if (!CacheFile.isHashPart(hashPart)) {
            return Optional.empty();
        }
        Optional<PathInfo> info = store.queryPathFromHashPart(hashPart).flatMap(r -> store.query(r.path()));
        if (info.isEmpty() || !NarCache.liveUrl(info.get()).equals("nar/" + name)) {
            return Optional.empty();
        }
        PathInfo i = info.get();
        // A temporary root until the response is written: gc deleted the path under the dump, breaking it off.
        Optional<TempRoots> root = store.protectUntilClosed(i.path());
        if (root.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Resource.streamed(i.narSize(), CacheFile.Kind.NAR.contentType(),
                out -> store.dumpPath(i.path(), out), root.get()::close));
    }

    /**
     * Stores an upload; see {@link PushArea#store}. A narinfo is accepted only if the NAR it names is here (pushed,
     * or served from the store) and matches it ({@link UploadedNarCheck}).
     */
    public void put(CacheFile f, InputStream body, long declaredLength) throws IOException {
        pushed.store(f, body, declaredLength, (info, source) -> {
            Optional<CacheFile> nar;
            try {
                nar = CacheFile.parse("/" + info.url()).filter(c -> c.kind() == CacheFile.Kind.NAR);
            } catch (CacheFile.InvalidCachePathException e) {
                nar = Optional.empty();
            }
            if (nar.isEmpty()) {
                throw new PushArea.RejectedUploadException(source + ": URL '" + info.url()
                        + "' is not a NAR file of this cache (nar/<name>)", false);
            }
            UploadedNarCheck.verify(info, get(nar.get(), false), pushed.tempDir(), source);
        });
    }
}
