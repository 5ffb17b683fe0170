package dev.crabstore.store.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.InvalidFormatException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Request paths and push tokens, without a server. */
class CacheFileAndTokenTest {
    static final String HP = "26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc";

    @Test
    void theKindsOfCacheFiles() {
        assertEquals(CacheFile.Kind.CACHE_INFO, CacheFile.parse("/nix-cache-info").orElseThrow().kind());
        CacheFile ni = CacheFile.parse("/" + HP + ".narinfo").orElseThrow();
        assertEquals(CacheFile.Kind.NARINFO, ni.kind());
        assertEquals(HP, ni.hashPart());
        CacheFile nar = CacheFile.parse("/nar/1abc.nar.zst").orElseThrow();
        assertEquals(CacheFile.Kind.NAR, nar.kind());
        assertEquals("1abc.nar.zst", nar.narName());
        assertEquals("nar/1abc.nar.zst", nar.relativePath());
        CacheFile log = CacheFile.parse("/log/" + HP + "-greet-0.2.0-lib-greet.drv").orElseThrow();
        assertEquals(CacheFile.Kind.LOG, log.kind());
        assertEquals(HP + "-greet-0.2.0-lib-greet.drv", log.logOf().baseName());
    }

    @Test
    void otherWellFormedPathsAreNotCacheFiles() {
        for (String p : new String[] {"/", "/index.html", "/" + HP + ".ls", "/log/x.drv",
                "/log/" + HP + "-x", "/log/" + HP + "-.drv",
                "/log/" + HP.replace('2', 'e') + "-x.drv", "/log/" + HP + "-a b.drv", "/nar/x",
                "/nar/.nar", "/nar/a/b.nar", "/" + HP.replace('2', 'e') + ".narinfo", "/" + HP + "x.narinfo",
                "/nix-cache-info/x", "/nar/-x.nar"}) {
            assertEquals(Optional.empty(), CacheFile.parse(p), p);
        }
    }

    @Test
    void anythingThatCouldLeaveTheCacheIsRefused() {
        for (String p : new String[] {"", "nix-cache-info", "/../x", "/nar/../x.nar", "/./nix-cache-info",
                "/nar/%2e%2e/x.nar", "/%6eix-cache-info", "//nix-cache-info", "/nar//x.nar", "/nar\\x.nar",
                "/nar/x.nar/", "/nar/", "/log/../" + HP + ".narinfo", "/log//x.drv"}) {
            assertThrows(CacheFile.InvalidCachePathException.class, () -> CacheFile.parse(p), p);
        }
    }

    @Test
    void bearerTokens() {
        BearerToken t = BearerToken.of("  0123456789abcdef-token\n", "test");
        assertEquals(BearerToken.Check.OK, t.check("Bearer 0123456789abcdef-token"));
        assertEquals(BearerToken.Check.OK, t.check("bearer 0123456789abcdef-token "));
        assertEquals(BearerToken.Check.WRONG, t.check("Bearer 0123456789abcdef-toke"));
        assertEquals(BearerToken.Check.MISSING, t.check("Bearer "));
        assertEquals(BearerToken.Check.WRONG, t.check("Bearer x"));
        assertEquals(BearerToken.Check.MISSING, t.check(null));
        assertEquals(BearerToken.Check.MISSING, t.check("Basic 0123456789abcdef-token"));
        assertThrows(InvalidFormatException.class, () -> BearerToken.of("short", "test"));
        assertThrows(InvalidFormatException.class, () -> BearerToken.of("0123456789 abcdef-token", "test"));
        assertEquals("BearerToken(***)", t.toString());
    }
}
