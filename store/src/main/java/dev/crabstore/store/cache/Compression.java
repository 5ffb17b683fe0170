package dev.crabstore.store.cache;

import dev.crabstore.core.InvalidFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/**
 * The compressions of NAR files in a binary cache, by the name narinfo's {@code Compression:} field gives them
 * (missing or empty means bzip2, as in Nix). crabstore writes zstd by default; Nix's own caches default to xz.
 */
public enum Compression {
    NONE("none", ".nar"),
    XZ("xz", ".nar.xz"),
    ZSTD("zstd", ".nar.zst"),
    BZIP2("bzip2", ".nar.bz2"),
    GZIP("gzip", ".nar.gz");

    private final String nixName;
    private final String extension;

    Compression(String nixName, String extension) {
        this.nixName = nixName;
        this.extension = extension;
    }

    public String nixName() {
        return nixName;
    }

    /** File name ending of a NAR in this compression, e.g. {@code .nar.zst}. */
    public String extension() {
        return extension;
    }

    public static Compression parse(String name) {
        if (name == null || name.isEmpty()) {
            return BZIP2;
        }
        for (Compression c : values()) {
            if (c.nixName.equals(name)) {
                return c;
            }
        }
        throw new InvalidFormatException("unsupported NAR compression '" + name
                + "' (crabstore reads none, xz, zstd, bzip2 and gzip)");
    }

    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case XZ -> new XZCompressorInputStream(in);
            case ZSTD -> new ZstdCompressorInputStream(in);
            case BZIP2 -> new BZip2CompressorInputStream(in);
            case GZIP -> new GzipCompressorInputStream(in, true);
        };
    }

    public OutputStream compress(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case XZ -> new XZCompressorOutputStream(out, 6);
            case ZSTD -> new ZstdCompressorOutputStream(out, 3);
            case BZIP2 -> new BZip2CompressorOutputStream(out);
            case GZIP -> new GzipCompressorOutputStream(out);
        };
    }

    @Override
    public String toString() {
        return nixName;
    }
}
