package dev.crabstore.store.serve;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Nix32;
import dev.crabstore.core.path.StorePath;
import java.util.Optional;

/**
 * A file of the binary cache layout that {@code crabstore serve} knows, parsed from a request's raw (undecoded)
 * path: {@code /nix-cache-info}, {@code /<hashPart>.narinfo}, {@code /nar/<name>} or {@code /log/<drv name>}.
 * Anything that could step out of the cache (percent-encoding, {@code ..}, {@code .}, empty segments, backslashes) is
 * refused as {@link InvalidCachePathException}; a well-formed path that is none of these is empty (not found).
 */
public record CacheFile(Kind kind, String relativePath) {
    /** The kinds of files a cache holds. */
    public enum Kind {
        CACHE_INFO("text/x-nix-cache-info"),
        NARINFO("text/x-nix-narinfo"),
        NAR("application/x-nix-nar"),
        /** A derivation's build log, as Nix's binary caches keep them ({@code nix log}). */
        LOG("text/plain; charset=utf-8");

        private final String contentType;

        Kind(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }
    }

    /** Longest NAR file name accepted (file systems allow 255 bytes). */
    static final int MAX_NAME = 200;

    /** A request path that is refused outright (HTTP 400). */
    public static final class InvalidCachePathException extends InvalidFormatException {
        InvalidCachePathException(String rawPath, String why) {
            super("invalid cache path '" + rawPath + "': " + why);
        }
    }

    public static Optional<CacheFile> parse(String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            throw new InvalidCachePathException(String.valueOf(rawPath), "not an absolute request path");
        }
        if (rawPath.indexOf('%') >= 0) {
            throw new InvalidCachePathException(rawPath, "percent-encoded characters are not accepted");
        }
        if (rawPath.indexOf('\\') >= 0) {
            throw new InvalidCachePathException(rawPath, "backslashes are not accepted");
        }
        String rel = rawPath.substring(1);
        for (String seg : rel.split("/", -1)) {
            if (seg.equals(".") || seg.equals("..")) {
                throw new InvalidCachePathException(rawPath, "'.' and '..' are not accepted");
            }
            if (seg.isEmpty() && !rel.isEmpty()) {
                throw new InvalidCachePathException(rawPath, "empty path segment");
            }
        }
        if (rel.equals("nix-cache-info")) {
            return Optional.of(new CacheFile(Kind.CACHE_INFO, rel));
        }
        if (rel.endsWith(".narinfo") && isHashPart(rel.substring(0, rel.length() - ".narinfo".length()))) {
            return Optional.of(new CacheFile(Kind.NARINFO, rel));
        }
        if (rel.startsWith("nar/") && isNarName(rel.substring(4))) {
            return Optional.of(new CacheFile(Kind.NAR, rel));
        }
        if (rel.startsWith("log/") && isDrvName(rel.substring(4))) {
            return Optional.of(new CacheFile(Kind.LOG, rel));
        }
        return Optional.empty();
    }

    /** {@code <hashPart>-<name>.drv}, a valid store path's base name. */
    static boolean isDrvName(String s) {
        if (!s.endsWith(".drv")) {
            return false;
        }
        try {
            StorePath.parseBaseName(s);
            return true;
        } catch (InvalidFormatException e) {
            return false;
        }
    }

    static boolean isHashPart(String s) {
        if (s.length() != StorePath.HASH_PART_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Nix32.isValidChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9][A-Za-z0-9._+-]*}, containing {@code .nar}: the names caches give NAR files. */
    static boolean isNarName(String s) {
        if (s.isEmpty() || s.length() > MAX_NAME || !s.contains(".nar")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '+' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    /** The hash part of a narinfo's name. */
    public String hashPart() {
        if (kind != Kind.NARINFO) {
            throw new IllegalStateException(relativePath + " is not a narinfo");
        }
        return relativePath.substring(0, StorePath.HASH_PART_LENGTH);
    }

    /** The derivation a log is of. */
    public StorePath logOf() {
        if (kind != Kind.LOG) {
            throw new IllegalStateException(relativePath + " is not a build log");
        }
        return StorePath.parseBaseName(relativePath.substring(4));
    }

    /** The file name below {@code nar/}. */
    public String narName() {
        if (kind != Kind.NAR) {
            throw new IllegalStateException(relativePath + " is not a NAR");
        }
        return relativePath.substring(4);
    }
}
