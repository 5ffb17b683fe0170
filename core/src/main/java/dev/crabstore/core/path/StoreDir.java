package dev.crabstore.core.path;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.Nix32;
import java.util.Collection;
import java.util.TreeSet;

/**
 * The logical store directory ({@code /crabstore/store} by default) that every store path, hash and embedded
 * string refers to, and the computation of store paths inside it, exactly as Nix makes them.
 */
public record StoreDir(String path) {
    public static final StoreDir DEFAULT = new StoreDir("/crabstore/store");

    public StoreDir {
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")
                || path.contains("//") || path.contains("/./") || path.contains("/../") || path.endsWith("/.")
                || path.endsWith("/..")) {
            throw new InvalidFormatException("store dir '" + path
                    + "' must be a canonical absolute path without a trailing slash");
        }
    }

    public String print(StorePath p) {
        return path + "/" + p.baseName();
    }

    /** Parses an absolute path directly inside this store dir. */
    public StorePath parsePath(String absolute) {
        if (!absolute.startsWith(path + "/")) {
            throw new InvalidFormatException("path '" + absolute + "' is not in the store dir " + path);
        }
        String base = absolute.substring(path.length() + 1);
        if (base.contains("/")) {
            throw new InvalidFormatException("path '" + absolute + "' is inside a store path, not a store path");
        }
        return StorePath.parseBaseName(base);
    }

    public boolean isInStore(String absolute) {
        return absolute.startsWith(path + "/");
    }

    /** {@code <type>:sha256:<hex>:<storeDir>:<name>}, sha256, XOR-folded to 20 bytes, Nix32. */
    public StorePath makeStorePath(String type, Hash inner, String name) {
        if (inner.algorithm() != HashAlgorithm.SHA256) {
            throw new IllegalArgumentException("store path inner hash must be sha256");
        }
        StorePath.validateName(name);
        String fingerprint = type + ":sha256:" + inner.toBase16() + ":" + path + ":" + name;
        byte[] full = Hash.sha256(fingerprint).bytes();
        byte[] folded = new byte[20];
        for (int i = 0; i < full.length; i++) {
            folded[i % 20] ^= full[i];
        }
        return new StorePath(Nix32.encode(folded), name);
    }

    private String makeType(String type, Collection<StorePath> references, boolean self) {
        StringBuilder sb = new StringBuilder(type);
        for (StorePath ref : new TreeSet<>(references)) {
            sb.append(':').append(print(ref));
        }
        if (self) {
            sb.append(":self");
        }
        return sb.toString();
    }

    /** A text path ({@code .drv} files): sha256 of the contents, with references. */
    public StorePath makeTextPath(String name, Hash contentHash, Collection<StorePath> references) {
        return makeStorePath(makeType("text", references, false), contentHash, name);
    }

    /** A NAR-hashed sha256 path, as {@code nix store add-path} makes it. */
    public StorePath makeSourcePath(String name, Hash narHash, Collection<StorePath> references, boolean self) {
        return makeStorePath(makeType("source", references, self), narHash, name);
    }

    /** A fixed-output path for any content address; only text and NAR-sha256 ones may have references. */
    public StorePath makeFixedOutputPath(String name, ContentAddress ca, Collection<StorePath> references,
            boolean self) {
        Hash h = ca.hash();
        switch (ca.method()) {
            case TEXT:
                if (self) {
                    throw new InvalidFormatException("text paths cannot refer to themselves");
                }
                return makeTextPath(name, h, references);
            case NAR:
                if (h.algorithm() == HashAlgorithm.SHA256) {
                    return makeSourcePath(name, h, references, self);
                }
                // fall through: other NAR hashes are addressed like flat ones
            default:
                if (!references.isEmpty() || self) {
                    throw new InvalidFormatException("fixed-output path '" + name + "' with " + ca
                            + " cannot have references");
                }
                Hash inner = Hash.sha256("fixed:out:" + ca.methodPrefix() + h.algorithm().nixName() + ":"
                        + h.toBase16() + ":");
                return makeStorePath("output:out", inner, name);
        }
    }

    /** The path of an input-addressed derivation output, from its hashDerivationModulo. */
    public StorePath makeOutputPath(String outputId, Hash drvModuloHash, String outputPathName) {
        return makeStorePath("output:" + outputId, drvModuloHash, outputPathName);
    }

    @Override
    public String toString() {
        return path;
    }
}
