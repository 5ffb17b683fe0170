package dev.crabstore.store.serve;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.cache.NixCacheInfo;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Files pushed to {@code crabstore serve} (a binary cache of their own, in the cache layout): {@code nix-cache-info},
 * {@code <hashPart>.narinfo} and {@code nar/<name>}. An upload is written to a temporary file, synced, and renamed
 * into place, so a reader sees the previous file or the whole new one, never a part; an upload that breaks off
 * leaves nothing. Narinfos and nix-cache-info are checked before they are accepted (well-formed, for this store
 * dir, a narinfo under its own hash part); NARs are taken as they come, as in any binary cache, since clients
 * verify them against the narinfo.
 */
public final class PushArea {
    /** Narinfos and nix-cache-info larger than this are refused. */
    public static final long MAX_TEXT = 1 << 20;

    private final Path root;
    private final Path tempDir;
    private final StoreDir storeDir;

    public PushArea(Path root, Path tempDir, StoreDir storeDir) {
        this.root = root.toAbsolutePath().normalize();
        this.tempDir = tempDir;
        this.storeDir = storeDir;
        try {
            Files.createDirectories(this.root.resolve("nar"));
            Files.createDirectories(tempDir);
        } catch (IOException e) {
            throw new StoreIOException("cannot create the upload area " + root, e);
        }
    }

    /** An upload that is refused for what it is (HTTP 400, or 413 when too large). */
    public static final class RejectedUploadException extends InvalidFormatException {
        private final boolean tooLarge;

        RejectedUploadException(String message, boolean tooLarge) {
            super(message);
            this.tooLarge = tooLarge;
        }

        public boolean tooLarge() {
            return tooLarge;
        }
    }

    private Path location(CacheFile f) {
        // CacheFile only admits plain names below the root; resolve and check once more all the same.
        Path p = root.resolve(f.relativePath()).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("cache file " + f.relativePath() + " is outside " + root);
        }
        return p;
    }

    /** The pushed file, opened now, if there is one. */
    public Optional<Resource> find(CacheFile f) throws IOException {
        return Resource.file(location(f), f.kind().contentType());
    }

    /**
     * Stores {@code body} as {@code f}. {@code declaredLength} is the request's Content-Length, or -1 when chunked;
     * fewer bytes than declared is a broken upload and stores nothing.
     */
    public void store(CacheFile f, InputStream body, long declaredLength) throws IOException {
        long limit = f.kind() == CacheFile.Kind.NAR ? Long.MAX_VALUE : MAX_TEXT;
        if (declaredLength > limit) {
            throw new RejectedUploadException(f.relativePath() + " is larger than " + limit + " bytes", true);
        }
        Path temp = Files.createTempFile(tempDir, "push-", ".tmp");
        try {
            long n;
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                n = copy(body, out, limit, f);
                ch.force(true);
            }
            if (declaredLength >= 0 && n != declaredLength) {
                throw new IOException("upload of " + f.relativePath() + " broke off after " + n + " of "
                        + declaredLength + " bytes");
            }
            if (f.kind() != CacheFile.Kind.NAR) {
                check(f, Files.readString(temp, StandardCharsets.UTF_8));
            }
            Path dest = location(f);
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static long copy(InputStream in, OutputStream out, long limit, CacheFile f) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            total += r;
            if (total > limit) {
                throw new RejectedUploadException(f.relativePath() + " is larger than " + limit + " bytes", true);
            }
            out.write(buf, 0, r);
        }
        return total;
    }

    private void check(CacheFile f, String text) {
        String source = "uploaded " + f.relativePath();
        try {
            if (f.kind() == CacheFile.Kind.CACHE_INFO) {
                NixCacheInfo info = NixCacheInfo.parse(text, source);
                if (info.storeDir().isPresent() && !info.storeDir().get().equals(storeDir.path())) {
                    throw new RejectedUploadException(source + " is for store dir '" + info.storeDir().get()
                            + "', but this cache serves '" + storeDir.path() + "'", false);
                }
            } else {
                NarInfo info = NarInfo.parse(text, storeDir, source);
                if (!info.path().hashPart().equals(f.hashPart())) {
                    throw new RejectedUploadException(source + " describes " + storeDir.print(info.path())
                            + ", whose hash part is not " + f.hashPart(), false);
                }
            }
        } catch (RejectedUploadException e) {
            throw e;
        } catch (InvalidFormatException e) {
            throw new RejectedUploadException(e.getMessage(), false);
        }
    }
}
