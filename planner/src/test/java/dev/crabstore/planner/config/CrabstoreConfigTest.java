package dev.crabstore.planner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.sign.SecretKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrabstoreConfigTest {
    static final String USER = "/home/u/.config/crabstore/config.toml";
    static final String PROJECT = "/home/u/ws/.crabstore.toml";
    static final String KEY_A = SecretKey.generate("a-1", new SecureRandom()).toPublicKey().toString();
    static final String KEY_B = SecretKey.generate("b-1", new SecureRandom()).toPublicKey().toString();

    static String message(String text) {
        return assertThrows(InvalidFormatException.class, () -> CrabstoreConfig.parse(text, USER)).getMessage();
    }

    @Test
    void everyKeyIsRead() {
        CrabstoreConfig c = CrabstoreConfig.defaults().with(CrabstoreConfig.parse("""
                substituters = ["https://cache.example.org", "file:///srv/cache?priority=10"]
                trusted-public-keys = ["%s"]
                secret-key-files = ["/etc/crabstore/cache.sec"]
                store = "/var/lib/crabstore"
                narinfo-cache-negative-ttl = 60
                stalled-download-timeout = 5
                keep-outputs = false
                """.formatted(KEY_A), USER));
        assertEquals(List.of("https://cache.example.org", "file:///srv/cache?priority=10"), c.substituters());
        assertEquals(List.of(KEY_A), c.trustedPublicKeys());
        assertEquals(List.of("/etc/crabstore/cache.sec"), c.secretKeyFiles());
        assertEquals(Optional.of("/var/lib/crabstore"), c.store());
        assertEquals(Duration.ofSeconds(60), c.negativeTtl());
        assertEquals(Duration.ofSeconds(5), c.downloadTimeout());
        assertFalse(c.keepOutputs());
    }

    @Test
    void defaultsAndEmptyFiles() {
        CrabstoreConfig d = CrabstoreConfig.defaults();
        assertEquals(List.of(), d.substituters());
        assertEquals(Duration.ofHours(1), d.negativeTtl());
        assertEquals(Duration.ofSeconds(30), d.downloadTimeout());
        assertTrue(d.keepOutputs(), "unlike Nix: a checkout's dependencies survive a gc");
        assertEquals(d, d.with(CrabstoreConfig.parse("", USER)));
        assertEquals(d, d.with(CrabstoreConfig.parse("# nothing\n", USER)));
    }

    @Test
    void aStringIsASpaceSeparatedListAsInNixConf() {
        CrabstoreConfig c = CrabstoreConfig.defaults().with(CrabstoreConfig.parse(
                "substituters = \"file:///a  file:///b\"\ntrusted-public-keys = \"" + KEY_A + " " + KEY_B + "\"\n",
                USER));
        assertEquals(List.of("file:///a", "file:///b"), c.substituters());
        assertEquals(List.of(KEY_A, KEY_B), c.trustedPublicKeys());
    }

    @Test
    void laterLayersReplaceOnlyTheKeysTheySet() {
        CrabstoreConfig user = CrabstoreConfig.defaults().with(CrabstoreConfig.parse("""
                substituters = ["file:///user"]
                trusted-public-keys = ["%s"]
                narinfo-cache-negative-ttl = 5
                """.formatted(KEY_A), USER));
        CrabstoreConfig project = user.with(CrabstoreConfig.parse("substituters = [\"file:///project\"]\n", PROJECT));
        assertEquals(List.of("file:///project"), project.substituters());
        assertEquals(List.of(KEY_A), project.trustedPublicKeys(), "kept from the user's file");
        assertEquals(Duration.ofSeconds(5), project.negativeTtl());
        CrabstoreConfig env = project.withEnvironment(Map.of("CRABSTORE_TRUSTED_PUBLIC_KEYS", " " + KEY_B + " ",
                "CRABSTORE_SECRET_KEY_FILES", "/k1 /k2"));
        assertEquals(List.of("file:///project"), env.substituters());
        assertEquals(List.of(KEY_B), env.trustedPublicKeys());
        assertEquals(List.of("/k1", "/k2"), env.secretKeyFiles());
        assertEquals(List.of(), env.withEnvironment(Map.of("CRABSTORE_SUBSTITUTERS", "")).substituters(),
                "a variable set to nothing turns the caches off");
        assertEquals(List.of("file:///flag"), env.withSubstituters(List.of("file:///flag")).substituters());
    }

    @Test
    void relativePathsCanBeResolvedByTheCaller() {
        CrabstoreConfig.Layer l = CrabstoreConfig.parse("secret-key-files = [\"k.sec\"]\nstore = \"s\"\n", PROJECT)
                .mapPaths(p -> "/home/u/ws/" + p);
        assertEquals(Optional.of(List.of("/home/u/ws/k.sec")), l.secretKeyFiles());
        assertEquals(Optional.of("/home/u/ws/s"), l.store());
        assertEquals(PROJECT, l.origin());
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        String m = message("substituter = []\n");
        assertTrue(m.startsWith(USER + ": unknown setting 'substituter'"), m);
        assertTrue(m.contains("narinfo-cache-negative-ttl, secret-key-files, stalled-download-timeout, store, "
                + "substituters, trusted-public-keys"), m);
        m = message("substituters = 3\n");
        assertTrue(m.startsWith(USER + ": 'substituters' must be a list of strings, found 3"), m);
        m = message("secret-key-files = [\"a\", 1]\n");
        assertTrue(m.startsWith(USER + ": 'secret-key-files' must be a list of strings, found 1"), m);
        m = message("narinfo-cache-negative-ttl = \"1h\"\n");
        assertTrue(m.startsWith(USER + ": 'narinfo-cache-negative-ttl' must be a whole number of seconds"), m);
        m = message("narinfo-cache-negative-ttl = -1\n");
        assertTrue(m.contains("'narinfo-cache-negative-ttl' must be"), m);
        m = message("narinfo-cache-negative-ttl = 1.5\n");
        assertTrue(m.contains("'narinfo-cache-negative-ttl' must be"), m);
        m = message("stalled-download-timeout = 0\n");
        assertTrue(m.startsWith(USER + ": 'stalled-download-timeout' must be a whole number of seconds from 1"), m);
        m = message("stalled-download-timeout = \"5s\"\n");
        assertTrue(m.contains("'stalled-download-timeout' must be"), m);
        m = message("keep-outputs = \"yes\"\n");
        assertTrue(m.startsWith(USER + ": 'keep-outputs' must be true or false, found \"yes\""), m);
        m = message("store = [\"/a\"]\n");
        assertTrue(m.startsWith(USER + ": 'store' must be a directory"), m);
        m = message("trusted-public-keys = [\"cache.example.org-1:tooShort\"]\n");
        assertTrue(m.startsWith(USER + ": 'trusted-public-keys' holds 'cache.example.org-1:tooShort'"), m);
        m = message("substituters = [\n");
        assertTrue(m.startsWith(USER + ": not valid TOML"), m);
        m = message("[substituters]\nurl = \"x\"\n");
        assertTrue(m.contains("'substituters' must be a list of strings"), m);
        m = assertThrows(InvalidFormatException.class, () -> CrabstoreConfig.defaults().withEnvironment(
                Map.of("CRABSTORE_TRUSTED_PUBLIC_KEYS", "nonsense"))).getMessage();
        assertTrue(m.startsWith("CRABSTORE_TRUSTED_PUBLIC_KEYS: 'trusted-public-keys' holds 'nonsense'"), m);
    }
}
