package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** crabstore copy against real Nix: caches we write are read by nix, caches nix writes are read by us. */
class CopyNixTest {
    static final String SD = "/crabstore/store";

    @TempDir
    Path dir;

    NixOracle nix;
    Map<String, String> env;
    SecretKey key;
    Path keyFile;

    @BeforeEach
    void setUp() throws Exception {
        nix = NixOracle.create(dir.resolve("nix"));
        env = CliRun.envWithHome(dir.resolve("crab"));
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        key = SecretKey.generate("crab-cache-1", new SecureRandom());
        keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
    }

    CliRun crab(String... args) {
        return CliRun.run(new byte[0], env, args);
    }

    @Test
    void nixReadsAndVerifiesACacheWeWrite() {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        String p = crab("store", "add", tree.toString()).assertOk().out().strip();
        for (String compression : new String[] {"zstd", "xz", "none"}) {
            Path cache = dir.resolve("cache-" + compression);
            crab("copy", "--to", "file://" + cache, "--sign", keyFile.toString(), "--compression", compression, p)
                    .assertOk();
            String url = "file://" + cache + "?store=" + SD;
            nix.run("nix", "store", "verify", "--store", url, "--trusted-public-keys", key.toPublicKey().toString(),
                    "-r", p).assertOk();
            // The path is content-addressed, so nix also accepts it with no keys; copying proves the NAR.
            nix.run("nix", "copy", "--option", "trusted-public-keys", key.toPublicKey().toString(), "--from", url,
                    "--to", nix.localStore(), p).assertOk();
        }
        // Copying again uploads nothing.
        assertEquals("", crab("copy", "--to", "file://" + dir.resolve("cache-zstd"), p).assertOk().out());
    }

    @Test
    void weReadACacheNixWrites() throws Exception {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        String nixKey = nix.runOkText("nix", "key", "generate-secret", "--key-name", "nix-cache-1");
        Path nixKeyFile = Files.writeString(dir.resolve("nix.sec"), nixKey);
        String pub = SecretKey.parse(nixKey).toPublicKey().toString();
        String p = nix.runOkText("nix", "store", "add-path", "--store", nix.localStore(), tree.toString());
        Path cache = dir.resolve("nixcache");
        nix.run("nix", "copy", "--store", nix.localStore(), "--to", "file://" + cache + "?store=" + SD
                + "&compression=xz&secret-key=" + nixKeyFile, p).assertOk();
        CliRun wrongKey = crab("copy", "--from", "file://" + cache, "--trusted-public-keys",
                key.toPublicKey().toString(), p);
        // Content-addressed: trusted without a key, as in Nix.
        assertEquals(0, wrongKey.exitCode(), wrongKey.stderr());
        JsonMapper m = JsonMapper.builder().build();
        JsonNode ours = m.readTree(crab("store", "path-info", "--json", p).assertOk().out()).get(0);
        JsonNode theirs = m.readTree(nix.runOkText("nix", "path-info", "--json", "--store", nix.localStore(), p))
                .get(0);
        assertEquals(theirs.get("narHash"), ours.get("narHash"));
        assertEquals(theirs.get("ca"), ours.get("ca"));
        assertTrue(ours.toString().contains("nix-cache-1:"), "the signature came along: " + ours);
        assertTrue(pub.startsWith("nix-cache-1:"));
    }

    @Test
    void anUnsignedInputAddressedPathIsRefusedAndNothingIsRegistered() throws Exception {
        // A cache we write without signing, for a path that is not content-addressed.
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        String p = crab("store", "add", tree.toString()).assertOk().out().strip();
        Path cache = dir.resolve("cache");
        crab("copy", "--to", "file://" + cache, "--compression", "none", p).assertOk();
        String hash = p.substring(SD.length() + 1, SD.length() + 33);
        Path narinfo = cache.resolve(hash + ".narinfo");
        // Drop the CA line: now only a signature could make it trusted.
        Files.writeString(narinfo, Files.readString(narinfo).replaceAll("CA: .*\n", ""));
        Map<String, String> other = new HashMap<>(env);
        other.put("CRABSTORE_HOME", dir.resolve("other").toString());
        CliRun r = CliRun.run(new byte[0], other, "copy", "--from", "file://" + cache, p);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("not signed by a trusted key"), r.stderr());
        assertEquals(2, CliRun.run(new byte[0], other, "store", "path-info", p).exitCode());
    }
}
