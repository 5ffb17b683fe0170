package dev.crabstore.store.serve;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.store.cache.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks, before {@code crabstore serve} accepts an uploaded narinfo, that the NAR file it names is in the cache and
 * is what it says: {@code FileSize} and {@code FileHash} of the file, then {@code NarSize} and {@code NarHash} of the
 * archive it decompresses to (read no further than {@code NarSize} plus one byte). So a client that trusts the
 * uploader's signature never gets a narinfo whose NAR cannot verify. Clients upload the NAR first, as Nix does.
 */
final class UploadedNarCheck {
    private UploadedNarCheck() {}

    /**
     * @param nar     the file at the narinfo's URL, as the cache would serve it (empty if it has none); closed here
     * @param tempDir where the file is copied to be read twice
     * @param source  the upload, named in every refusal
     */
    static void verify(NarInfo info, Optional<Resource> nar, Path tempDir, String source) throws IOException {
        if (nar.isEmpty()) {
            throw refused(source + " names " + info.url() + ", which this cache does not have (upload the NAR first)");
        }
        Path copy = Files.createTempFile(tempDir, "check-", ".tmp");
        try {
            HashAlgorithm fileAlgo = info.fileHash().map(Hash::algorithm).orElse(HashAlgorithm.SHA256);
            HashingOutputStream file;
            try (Resource r = nar.get(); OutputStream out = Files.newOutputStream(copy)) {
                file = new HashingOutputStream(fileAlgo, out);
                r.writeTo(file);
                file.flush();
            }
            if (info.fileSize().isPresent() && info.fileSize().getAsLong() != file.count()) {
                throw refused(source + ": FileSize is " + info.fileSize().getAsLong() + ", but " + info.url()
                        + " has " + file.count() + " bytes");
            }
            Hash fileHash = file.hash();
            if (info.fileHash().isPresent() && !info.fileHash().get().equals(fileHash)) {
                throw refused(source + ": FileHash is " + info.fileHash().get() + ", but " + info.url() + " hashes to "
                        + fileHash);
            }
            Compression compression;
            try {
                compression = Compression.parse(info.compression());
            } catch (InvalidFormatException e) {
                throw refused(source + ": " + e.getMessage());
            }
            long narSize = info.info().narSize();
            HashingOutputStream archive = HashingOutputStream.discarding(info.info().narHash().algorithm());
            try (InputStream in = compression.decompress(Files.newInputStream(copy))) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0 && archive.count() <= narSize) {
                    archive.write(buf, 0, n);
                }
            } catch (IOException e) {
                throw refused(source + ": " + info.url() + " is not a valid " + info.compression() + " file: "
                        + e.getMessage());
            }
            if (archive.count() != narSize) {
                throw refused(source + ": NarSize is " + narSize + ", but " + info.url() + " decompresses to "
                        + (archive.count() > narSize ? "more than that" : archive.count() + " bytes"));
            }
            Hash narHash = archive.hash();
            if (!narHash.equals(info.info().narHash())) {
                throw refused(source + ": NarHash is " + info.info().narHash() + ", but " + info.url()
                        + " decompresses to an archive with hash " + narHash);
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    private static PushArea.RejectedUploadException refused(String message) {
        return new PushArea.RejectedUploadException(message, false);
    }
}
