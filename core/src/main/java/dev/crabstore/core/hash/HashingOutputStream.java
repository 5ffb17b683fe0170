package dev.crabstore.core.hash;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes through to a delegate while hashing and counting them, so one pass gives both NAR hash and size. */
public final class HashingOutputStream extends FilterOutputStream {
    private final HashAlgorithm algorithm;
    private final MessageDigest digest;
    private long count;

    public HashingOutputStream(HashAlgorithm algorithm, OutputStream delegate) {
        super(delegate);
        this.algorithm = algorithm;
        this.digest = algorithm.newDigest();
    }

    /** A sink that only hashes. */
    public static HashingOutputStream discarding(HashAlgorithm algorithm) {
        return new HashingOutputStream(algorithm, OutputStream.nullOutputStream());
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
        count += len;
    }

    public long count() {
        return count;
    }

    /** The digest of everything written so far; call once, at the end. */
    public Hash hash() {
        return Hash.of(algorithm, digest.digest());
    }
}
