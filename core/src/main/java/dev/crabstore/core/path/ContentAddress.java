package dev.crabstore.core.path;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;

/** A content address as narinfo {@code CA:} lines write it: {@code text:sha256:…}, {@code fixed:r:sha256:…}, {@code fixed:sha1:…}. */
public record ContentAddress(ContentAddressMethod method, Hash hash) {
    public ContentAddress {
        if (method == ContentAddressMethod.TEXT && hash.algorithm() != HashAlgorithm.SHA256) {
            throw new InvalidFormatException("text content addresses use sha256, not " + hash.algorithm());
        }
    }

    public static ContentAddress parse(String s) {
        if (s.startsWith("text:")) {
            return new ContentAddress(ContentAddressMethod.TEXT, Hash.parse(s.substring(5)));
        }
        if (s.startsWith("fixed:r:")) {
            return new ContentAddress(ContentAddressMethod.NAR, Hash.parse(s.substring(8)));
        }
        if (s.startsWith("fixed:")) {
            return new ContentAddress(ContentAddressMethod.FLAT, Hash.parse(s.substring(6)));
        }
        throw new InvalidFormatException("content address '" + s + "' must start with text: or fixed:");
    }

    /** The prefix that marks the method in CA strings and derivation output hash algorithms: {@code r:} or empty. */
    public String methodPrefix() {
        return method == ContentAddressMethod.NAR ? "r:" : "";
    }

    @Override
    public String toString() {
        return switch (method) {
            case TEXT -> "text:" + hash;
            case FLAT -> "fixed:" + hash;
            case NAR -> "fixed:r:" + hash;
        };
    }
}
