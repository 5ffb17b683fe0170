package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.PathLocks;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Real Nix as the client of crabstore serve: path-info, store verify with signatures, copy. */
class ServeNixTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    @TempDir
    Path dir;

    NixOracle nix;
    Map<String, String> env;
    SecretKey key;
    Path keyFile;
    StorePath text;
    StorePath tool;

    @BeforeEach
    void setUp() throws Exception {
        nix = NixOracle.create(dir.resolve("nix"));
        dev.crabstore.testkit.Tools.require("python3");
        env = CliRun.envWithHome(dir.resolve("server"));
        key = SecretKey.generate("crab-serve-1", new SecureRandom());
        keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        // A content-addressed path, and an input-addressed one (only a signature makes Nix trust it) referring to it.
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(env), Clock.systemUTC())) {
            text = store.addText("greeting.txt", "hello, nix\n".getBytes(StandardCharsets.UTF_8), Set.of());
            tool = SD.makeOutputPath("out", Hash.sha256("a derivation"), "tool-1.0");
            Path built = TestTrees.edgeCases(store.newTempDir("tool").resolve("out"));
            Files.writeString(built.resolve("uses"), "see " + SD.print(text) + "\n");
            try (PathLocks.PathLock l = store.locks().lock(tool)) {
                store.registerOutput(tool, built, List.of(text), Optional.empty());
            }
        }
    }

    String nixUrl(ServeProcess s) {
        return s.url + "?store=" + SD.path();
    }

    @Test
    void nixReadsVerifiesAndCopiesWhatWeServe() throws Exception {
        for (String compression : new String[] {"zstd", "xz", "none"}) {
            try (ServeProcess s = ServeProcess.start(env, "128m", dir.resolve("serve-" + compression + ".err"),
                    "--listen", "127.0.0.1:0", "--sign", keyFile.toString(), "--compression", compression)) {
                String pk = key.toPublicKey().toString();
                String full = SD.print(tool);
                JsonNode info = JsonMapper.builder().build().readTree(nix.runOkText("nix", "path-info", "--json",
                        "--store", nixUrl(s), full)).get(0);
                assertEquals(full, info.get("path").asString());
                assertTrue(info.get("references").toString().contains(SD.print(text)), info.toString());
                assertTrue(info.get("signatures").toString().contains("crab-serve-1:"), info.toString());
                // Signatures and contents (every NAR is downloaded and hashed), for the whole closure.
                nix.run("nix", "store", "verify", "--store", nixUrl(s), "--trusted-public-keys", pk, "-r", full)
                        .assertOk();
                String otherKey = SecretKey.generate("other-1", new SecureRandom()).toPublicKey().toString();
                NixOracle.ProcessResult untrusted = nix.run("nix", "store", "verify", "--store", nixUrl(s),
                        "--trusted-public-keys", otherKey, full);
                assertNotEquals(0, untrusted.exitCode(), "not signed by a key nix trusts");
                nix.run("nix", "copy", "--option", "trusted-public-keys", pk, "--from", nixUrl(s), "--to",
                        nix.localStore(), full).assertOk();
                nix.run("nix", "store", "verify", "--store", nix.localStore(), "--trusted-public-keys", pk, "-r",
                        full).assertOk();
                assertEquals(130, s.interrupt());
                assertEquals("", s.stderrText());
            }
            nix.run("nix", "store", "delete", "--store", nix.localStore(), SD.print(tool), SD.print(text))
                    .assertOk();
        }
    }
}
