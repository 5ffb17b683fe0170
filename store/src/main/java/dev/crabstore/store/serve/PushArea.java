package dev.crabstore.store.serve;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.cache.NixCacheInfo;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
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
import java.util.regex.Matcher;

/**
 * Files pushed to {@code crabstore serve} (a binary cache of their own, in the cache layout): {@code nix-cache-info},
 * {@code <hashPart>.narinfo}, {@code nar/<name>} and {@code log/<drv name>} (build logs: unsigned, as Nix's, kept as
 * they come up to {@link #MAX_TEXT}; readers check what they take from them). An upload is written to a temporary
 * file, synced, and renamed into place, so a reader sees the previous file or the whole new one, never a part; an
 * upload that breaks off leaves nothing. Narinfos and nix-cache-info are checked before they are accepted
 * (well-formed, for this store dir, a narinfo under its own hash part, and whatever the caller's {@link NarInfoCheck}
 * adds: see {@link UploadedNarCheck}); a NAR named after its file hash ({@code nar/<nix32 sha256>.nar…}, as Nix and
 * crabstore name them) must hash to its name, so an accepted narinfo's NAR cannot be replaced by other bytes.
 */
public final class PushArea {
    /** Narinfos, nix-cache-info and logs larger than this are refused. */
    public static final long MAX_TEXT = 1 << 20;

    private final Path root;
    private final Path tempDir;
    private final StoreDir storeDir;

    /** {@code <52 nix32 characters>.nar…}: a NAR file named after the sha256 of its bytes. */
    private static final java.util.regex.Pattern HASH_NAMED = java.util.regex.Pattern.compile(
            "([0123456789abcdfghijklmnpqrsvwxyz]{52})\\.nar.*");

    /** A further condition on an uploaded narinfo, checked before it is accepted. */
    @FunctionalInterface
    public interface NarInfoCheck {
        /** Throws {@link RejectedUploadException} to refuse the upload. */
        void check(NarInfo info, String source) throws IOException;
    }

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

    /** Where uploads and checks keep their temporary files. */
    Path tempDir() {
        return tempDir;
    }

    /** {@link #store(CacheFile, InputStream, long, NarInfoCheck)} with no further check of narinfos. */
    public void store(CacheFile f, InputStream body, long declaredLength) throws IOException {
        store(f, body, declaredLength, (info, source) -> {});
    }

    /**
     * Stores {@code body} as {@code f}. {@code declaredLength} is the request's Content-Length, or -1 when chunked;
     * fewer bytes than declared is a broken upload and stores nothing. A narinfo must also pass {@code narInfoCheck}.
     */
    public void store(CacheFile f, InputStream body, long declaredLength, NarInfoCheck narInfoCheck)
            throws IOException {
        long limit = f.kind() == CacheFile.Kind.NAR ? Long.MAX_VALUE : MAX_TEXT;
        if (declaredLength > limit) {
            throw new RejectedUploadException(f.relativePath() + " is larger than " + limit + " bytes", true);
        }
        Path temp = Files.createTempFile(tempDir, "push-", ".tmp");
        try {
            long n;
            HashingOutputStream hashed;
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                hashed = new HashingOutputStream(HashAlgorithm.SHA256, Channels.newOutputStream(ch));
                n = copy(body, hashed, limit, f);
                hashed.flush();
                ch.force(true);
            }
            if (declaredLength >= 0 && n != declaredLength) {
                throw new IOException("upload of " + f.relativePath() + " broke off after " + n + " of "
                        + declaredLength + " bytes");
            }
            if (f.kind() == CacheFile.Kind.NAR) {
                Matcher m = HASH_NAMED.matcher(f.narName());
                String got = hashed.hash().toNix32();
                if (m.matches() && !m.group(1).equals(got)) {
                    throw new RejectedUploadException("uploaded " + f.relativePath() + " is named after the sha256 "
                            + m.group(1) + ", but its contents hash to " + got, false);
                }
            } else {
                Optional<NarInfo> info = check(f, Files.readString(temp, StandardCharsets.UTF_8));
                if (info.isPresent()) {
                    narInfoCheck.check(info.get(), "uploaded " + f.relativePath());
                }
            }
            Path dest = location(f);
            Files.createDirectories(dest.getParent()); // log/ comes with the first log
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

    /** Checks an uploaded text file; returns the narinfo it is, if it is one. */
    private Optional<NarInfo> check(CacheFile f, String text) {
        String source = "uploaded " + f.relativePath();
        if (f.kind() == CacheFile.Kind.LOG) {
            return Optional.empty();
        }
        try {
            if (f.kind() == CacheFile.Kind.CACHE_INFO) {
                NixCacheInfo info = NixCacheInfo.parse(text, source);
                if (info.storeDir().isPresent() && !info.storeDir().get().equals(storeDir.path())) {
                    throw new RejectedUploadException(source + " is for store dir '" + info.storeDir().get()
                            + "', but this cache serves '" + storeDir.path() + "'", false);
                }
                return Optional.empty();
            } else {
                NarInfo info = NarInfo.parse(text, storeDir, source);
                if (!info.path().hashPart().equals(f.hashPart())) {
                    throw new RejectedUploadException(source + " describes " + storeDir.print(info.path())
                            + ", whose hash part is not " + f.hashPart(), false);
                }
                return Optional.of(info);
            }
        } catch (RejectedUploadException e) {
            throw e;
        } catch (InvalidFormatException e) {
            throw new RejectedUploadException(e.getMessage(), false);
        }
    }
}
