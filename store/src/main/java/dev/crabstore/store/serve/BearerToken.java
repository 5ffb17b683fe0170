package dev.crabstore.store.serve;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The secret that allows uploads: {@code Authorization: Bearer <token>}. Only its SHA-256 is kept, and a presented
 * token is compared by digest with {@link MessageDigest#isEqual}, so the comparison takes the same time whatever
 * the token and leaks neither its bytes nor its length.
 */
public final class BearerToken {
    /** Tokens shorter than this are refused: they could be guessed. */
    public static final int MIN_LENGTH = 16;

    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token);
    }

    /** The outcome of checking a request's {@code Authorization} header. */
    public enum Check {
        /** No header, or not a bearer token: HTTP 401. */
        MISSING,
        /** A bearer token, but not this one: HTTP 403. */
        WRONG,
        OK
    }

    /** A token given as text; surrounding white space (a file's trailing newline) is not part of it. */
    public static BearerToken of(String token, String source) {
        String t = token.strip();
        if (t.length() < MIN_LENGTH) {
            throw new InvalidFormatException(source + ": the push token must have at least " + MIN_LENGTH
                    + " characters (e.g. head -c 32 /dev/urandom | base64)");
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new InvalidFormatException(source + ": the push token must be printable ASCII without spaces");
            }
        }
        return new BearerToken(t);
    }

    public static BearerToken read(Path file) {
        try {
            return of(Files.readString(file, StandardCharsets.UTF_8), "token file " + file);
        } catch (IOException e) {
            throw new StoreIOException("cannot read the token file " + file, e);
        }
    }

    public Check check(String authorizationHeader) {
        if (authorizationHeader == null) {
            return Check.MISSING;
        }
        String h = authorizationHeader.strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Check.MISSING;
        }
        return MessageDigest.isEqual(digest, sha256(h.substring(7).strip())) ? Check.OK : Check.WRONG;
    }

    private static byte[] sha256(String s) {
        return HashAlgorithm.SHA256.newDigest().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "BearerToken(***)";
    }
}
