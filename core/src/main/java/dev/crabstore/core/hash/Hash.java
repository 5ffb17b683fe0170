package dev.crabstore.core.hash;

import dev.crabstore.core.InvalidFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An immutable digest with its algorithm. Renders and parses every textual form Nix uses: base16, Nix32, base64,
 * {@code algo:hash} and SRI {@code algo-base64}. {@link #toString()} is {@code sha256:<nix32>}, the form of narinfo
 * files and signatures.
 */
public final class Hash {
    private static final HexFormat HEX = HexFormat.of();

    private final HashAlgorithm algorithm;
    private final byte[] bytes;

    private Hash(HashAlgorithm algorithm, byte[] bytes) {
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        if (bytes.length != algorithm.size()) {
            throw new InvalidFormatException(algorithm + " hash must have " + algorithm.size() + " bytes, got "
                    + bytes.length);
        }
        this.bytes = bytes;
    }

    public static Hash of(HashAlgorithm algorithm, byte[] bytes) {
        return new Hash(algorithm, bytes.clone());
    }

    public static Hash digest(HashAlgorithm algorithm, byte[] data) {
        return new Hash(algorithm, algorithm.newDigest().digest(data));
    }

    public static Hash sha256(byte[] data) {
        return digest(HashAlgorithm.SHA256, data);
    }

    public static Hash sha256(String utf8) {
        return sha256(utf8.getBytes(StandardCharsets.UTF_8));
    }

    public HashAlgorithm algorithm() {
        return algorithm;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public String toBase16() {
        return HEX.formatHex(bytes);
    }

    public String toNix32() {
        return Nix32.encode(bytes);
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String toSri() {
        return algorithm.nixName() + "-" + toBase64();
    }

    /** {@code algo:<encoding>} with the given encoding. */
    public String toString(HashEncoding encoding) {
        return switch (encoding) {
            case BASE16 -> algorithm.nixName() + ":" + toBase16();
            case NIX32 -> algorithm.nixName() + ":" + toNix32();
            case BASE64 -> algorithm.nixName() + ":" + toBase64();
            case SRI -> toSri();
        };
    }

    /** The hash alone (no algorithm prefix) in the given encoding; SRI keeps its prefix. */
    public String encode(HashEncoding encoding) {
        return switch (encoding) {
            case BASE16 -> toBase16();
            case NIX32 -> toNix32();
            case BASE64 -> toBase64();
            case SRI -> toSri();
        };
    }

    /** Parses {@code algo:hash} (base16, Nix32 or base64, told apart by length) or SRI {@code algo-base64}. */
    public static Hash parse(String s) {
        int colon = s.indexOf(':');
        int dash = s.indexOf('-');
        if (colon > 0 && (dash < 0 || colon < dash)) {
            return parseBare(HashAlgorithm.parse(s.substring(0, colon)), s.substring(colon + 1));
        }
        if (dash > 0) {
            HashAlgorithm algo = HashAlgorithm.parse(s.substring(0, dash));
            String b64 = s.substring(dash + 1);
            if (b64.length() != algo.base64Length()) {
                throw new InvalidFormatException("SRI hash '" + s + "' has the wrong length for " + algo);
            }
            return new Hash(algo, decodeBase64(b64, s));
        }
        throw new InvalidFormatException("hash '" + s + "' names no algorithm (expected e.g. sha256:... or sha256-...)");
    }

    /** Parses a hash without prefix of a known algorithm; also accepts the prefixed and SRI forms for that algorithm. */
    public static Hash parse(HashAlgorithm algo, String s) {
        if (s.startsWith(algo.nixName() + ":") || s.startsWith(algo.nixName() + "-")) {
            return parse(s);
        }
        return parseBare(algo, s);
    }

    /** The hash alone, its encoding told by its length; no prefix (so no recursion on {@code sha256:sha256:...}). */
    private static Hash parseBare(HashAlgorithm algo, String s) {
        int len = s.length();
        if (len == algo.base16Length()) {
            try {
                return new Hash(algo, HEX.parseHex(s.toLowerCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidFormatException("invalid base16 " + algo + " hash '" + s + "'");
            }
        }
        if (len == algo.nix32Length()) {
            return new Hash(algo, Nix32.decode(s, algo.size()));
        }
        if (len == algo.base64Length()) {
            return new Hash(algo, decodeBase64(s, s));
        }
        throw new InvalidFormatException("hash '" + s + "' has length " + len + ", which is not base16, nix32 or base64 for "
                + algo);
    }

    private static byte[] decodeBase64(String b64, String whole) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new InvalidFormatException("invalid base64 in hash '" + whole + "'");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash h && h.algorithm == algorithm && Arrays.equals(h.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return algorithm.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toString(HashEncoding.NIX32);
    }
}
