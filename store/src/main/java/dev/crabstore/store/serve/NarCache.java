package dev.crabstore.store.serve;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.LocalStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compressed NARs of local store paths, made once and kept, so that a narinfo's FileHash and FileSize and the
 * NAR file a client then fetches always agree.
 *
 * <pre>
 * &lt;dir&gt;/nar/&lt;FileHash nix32&gt;.nar.zst                 the compressed NAR, named by its own hash
 * &lt;dir&gt;/index/&lt;hashPart&gt;-&lt;NarHash nix32&gt;-&lt;compression&gt;   "&lt;FileHash nix32&gt; &lt;FileSize&gt;"
 * </pre>
 *
 * A NAR is compressed into a temporary file (hashing both the NAR, checked against the store's NAR hash, and the
 * file), moved into {@code nar/} under its hash, and only then indexed; both moves are atomic renames, so a crash
 * leaves at worst an unindexed file and a reader never sees half a file. Concurrent requests for the same path
 * share one compression. The whole directory is a cache: deleting it costs only recompression.
 *
 * <p>With compression {@code none} nothing is stored: the URL {@code nar/<hashPart>-<NarHash nix32>.nar} names
 * the path itself and its NAR is dumped from the store while it is sent (FileHash = NarHash).
 */
public final class NarCache {
    private final LocalStore store;
    private final Path narDir;
    private final Path indexDir;
    private final Path tempDir;
    private final Map<String, CompletableFuture<Entry>> inFlight = new ConcurrentHashMap<>();

    /** Where a path's NAR file is and what it hashes to: the narinfo's URL, FileHash and FileSize. */
    public record Entry(String url, Hash fileHash, long fileSize) {}

    public NarCache(LocalStore store, Path dir, Path tempDir) {
        this.store = store;
        this.narDir = dir.resolve("nar");
        this.indexDir = dir.resolve("index");
        this.tempDir = tempDir;
        try {
            Files.createDirectories(narDir);
            Files.createDirectories(indexDir);
            Files.createDirectories(tempDir);
        } catch (IOException e) {
            throw new StoreIOException("cannot create the NAR cache at " + dir, e);
        }
    }

    /** The URL naming a path's uncompressed NAR, dumped on the fly. */
    static String liveUrl(PathInfo info) {
        return "nar/" + info.path().hashPart() + "-" + info.narHash().toNix32() + Compression.NONE.extension();
    }

    /** The NAR file of a valid path in {@code compression}, compressing it now if it is not cached yet. */
    public Entry prepare(PathInfo info, Compression compression) {
        if (compression == Compression.NONE) {
            return new Entry(liveUrl(info), info.narHash(), info.narSize());
        }
        String key = info.path().hashPart() + "-" + info.narHash().toNix32() + "-" + compression.nixName();
        Optional<Entry> cached = lookup(key, compression);
        if (cached.isPresent()) {
            return cached.get();
        }
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            // Another request may have finished between the lookup and taking the slot.
            Entry e = lookup(key, compression).orElseGet(() -> compress(info, compression, key));
            mine.complete(e);
            return e;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key);
        }
    }

    private Optional<Entry> lookup(String key, Compression compression) {
        String line;
        try {
            line = Files.readString(indexDir.resolve(key), StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreIOException("cannot read the NAR cache index " + indexDir.resolve(key), e);
        }
        String[] parts = line.split(" ");
        if (parts.length != 2) {
            return Optional.empty();
        }
        try {
            Hash fileHash = Hash.parse(HashAlgorithm.SHA256, parts[0]);
            long size = Long.parseLong(parts[1]);
            String name = fileHash.toNix32() + compression.extension();
            // The file may have been deleted with the cache directory's contents: then make it again.
            if (!Files.isRegularFile(narDir.resolve(name))) {
                return Optional.empty();
            }
            return Optional.of(new Entry("nar/" + name, fileHash, size));
        } catch (RuntimeException e) {
            // A damaged index line is rebuilt.
            return Optional.empty();
        }
    }

    private Entry compress(PathInfo info, Compression compression, String key) {
        Path temp = null;
        try {
            temp = Files.createTempFile(tempDir, "nar-", ".tmp");
            HashingOutputStream fileHash;
            HashingOutputStream narHash;
            try (OutputStream raw = Files.newOutputStream(temp)) {
                fileHash = new HashingOutputStream(HashAlgorithm.SHA256, raw);
                try (OutputStream compressed = compression.compress(fileHash)) {
                    narHash = new HashingOutputStream(HashAlgorithm.SHA256, compressed);
                    store.dumpPath(info.path(), narHash);
                    narHash.flush();
                }
            }
            if (!narHash.hash().equals(info.narHash()) || narHash.count() != info.narSize()) {
                throw new StoreIOException("store path " + store.storeDir().print(info.path()) + " is corrupt: its "
                        + "contents no longer match its registered NAR hash");
            }
            Hash fh = fileHash.hash();
            String name = fh.toNix32() + compression.extension();
            Files.move(temp, narDir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = Files.createTempFile(tempDir, "index-", ".tmp");
            Files.writeString(temp, fh.toNix32() + " " + fileHash.count() + "\n", StandardCharsets.UTF_8);
            Files.move(temp, indexDir.resolve(key), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            return new Entry("nar/" + name, fh, fileHash.count());
        } catch (IOException e) {
            throw new StoreIOException("cannot compress the NAR of " + store.storeDir().print(info.path()) + " into "
                    + narDir, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** Whether the NAR file a URL of {@link #prepare} names is still there (live URLs always are). */
    boolean exists(String url) {
        String name = url.substring("nar/".length());
        return name.endsWith(Compression.NONE.extension()) || Files.isRegularFile(narDir.resolve(name));
    }

    /** A NAR file this cache made, by its name below {@code nar/}. */
    public Optional<Resource> file(String narName) throws IOException {
        return Resource.file(narDir.resolve(narName), CacheFile.Kind.NAR.contentType());
    }
}
