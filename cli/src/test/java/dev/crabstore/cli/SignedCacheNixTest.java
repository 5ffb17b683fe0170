package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.cache.NixCacheInfo;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.PublicKey;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.nar.NarDumper;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed binary caches both ways between crabstore's code and real Nix (nix-formats.md §11 C). */
class SignedCacheNixTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    @TempDir
    Path dir;

    NixOracle nix;
    SecretKey nixKey;
    Path nixKeyFile;

    @BeforeEach
    void setUp() throws Exception {
        nix = NixOracle.create(dir.resolve("nix"));
        String sk = nix.runOkText("nix", "key", "generate-secret", "--key-name", "nix-made-1");
        nixKeyFile = Files.writeString(dir.resolve("nix.sec"), sk);
        nixKey = SecretKey.parse(sk);
    }

    /** An input-addressed path (no CA: signatures matter) holding {@code tree}, in a file cache we write. */
    record Published(Path cache, StorePath path) {}

    Published publish(Path tree, SecretKey key) throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        ByteArrayOutputStream nar = new ByteArrayOutputStream();
        NarDumper.dump(tree, nar);
        byte[] bytes = nar.toByteArray();
        Hash narHash = Hash.sha256(bytes);
        StorePath path = SD.makeOutputPath("out", Hash.sha256("some derivation"), "mypkg-1.0");
        Files.createDirectories(cache.resolve("nar"));
        Files.write(cache.resolve("nar/" + narHash.toNix32() + ".nar"), bytes);
        Files.writeString(cache.resolve("nix-cache-info"), NixCacheInfo.of(SD.path(), true, 40).render());
        NarInfo info = new NarInfo(new PathInfo(path, narHash, bytes.length, new TreeSet<>(), Optional.empty(),
                new TreeSet<>(), Optional.empty(), 0), "nar/" + narHash.toNix32() + ".nar", "none",
                Optional.of(narHash), OptionalLong.of(bytes.length), Optional.empty()).sign(key, SD);
        Files.writeString(cache.resolve(path.hashPart() + ".narinfo"), info.render(SD));
        return new Published(cache, path);
    }

    String cacheUrl(Path cache) {
        return "file://" + cache + "?store=" + SD.path();
    }

    @Test
    void nixVerifiesAndImportsWhatWeSign() throws Exception {
        Published p = publish(TestTrees.edgeCases(dir.resolve("tree")), nixKey);
        String pk = nixKey.toPublicKey().toString();
        String full = SD.print(p.path());
        nix.run("nix", "store", "verify", "--store", cacheUrl(p.cache()), "--trusted-public-keys", pk, full)
                .assertOk();
        // Untrusted key: rc 2 ("untrusted").
        String other = SecretKey.generate("other-1", new java.security.SecureRandom()).toPublicKey().toString();
        assertNotEquals(0, nix.run("nix", "store", "verify", "--store", cacheUrl(p.cache()), "--trusted-public-keys",
                other, full).exitCode());
        nix.run("nix", "copy", "--option", "trusted-public-keys", pk, "--from", cacheUrl(p.cache()), "--to",
                nix.localStore(), full).assertOk();
        nix.run("nix", "store", "verify", "--store", nix.localStore(), "--trusted-public-keys", pk, full).assertOk();
    }

    @Test
    void oneChangedByteBreaksTheSignatureForNix() throws Exception {
        Published p = publish(TestTrees.edgeCases(dir.resolve("tree")), nixKey);
        Path narinfo = p.cache().resolve(p.path().hashPart() + ".narinfo");
        String text = Files.readString(narinfo);
        String narSize = text.lines().filter(l -> l.startsWith("NarSize: ")).findFirst().orElseThrow();
        long size = Long.parseLong(narSize.substring(9));
        Files.writeString(narinfo, text.replace(narSize, "NarSize: " + (size + 1)));
        assertNotEquals(0, nix.run("nix", "store", "verify", "--no-contents", "--store", cacheUrl(p.cache()),
                "--trusted-public-keys", nixKey.toPublicKey().toString(), SD.print(p.path())).exitCode());
    }

    @Test
    void weVerifyWhatNixSignsAndRenderItIdentically() throws Exception {
        Published p = publish(TestTrees.edgeCases(dir.resolve("tree")), nixKey);
        String pk = nixKey.toPublicKey().toString();
        String full = SD.print(p.path());
        nix.run("nix", "copy", "--option", "trusted-public-keys", pk, "--from", cacheUrl(p.cache()), "--to",
                nix.localStore(), full).assertOk();
        // Nix re-publishes it, signing with its own code.
        Path theirs = dir.resolve("theirs");
        nix.run("nix", "copy", "--store", nix.localStore(), "--to", "file://" + theirs + "?store=" + SD.path()
                + "&compression=none&secret-key=" + nixKeyFile, full).assertOk();
        String text = Files.readString(theirs.resolve(p.path().hashPart() + ".narinfo"), StandardCharsets.UTF_8);
        NarInfo parsed = NarInfo.parse(text, SD, "theirs.narinfo");
        assertEquals(text, parsed.render(SD), "byte-identical re-render");
        assertTrue(parsed.isTrusted(new TrustedKeys(List.of(PublicKey.parse(pk))), SD));
        // Deterministic Ed25519: our signature of the same fingerprint is Nix's.
        String ours = Files.readString(p.cache().resolve(p.path().hashPart() + ".narinfo"));
        String nixSig = text.lines().filter(l -> l.startsWith("Sig: ")).findFirst().orElseThrow();
        assertTrue(ours.contains(nixSig + "\n"), ours + "\n---\n" + text);
        // Nix's whole narinfo equals ours (both written with Compression none).
        assertEquals(ours, text);
    }

    @Test
    void keyCommandsAgreeWithNix() throws Exception {
        String sk = CliRun.run("key", "generate", "--name", "ours-1").assertOk().out();
        assertTrue(!sk.endsWith("\n"), "no trailing newline, like nix");
        String ourPk = CliRun.run(sk.getBytes(StandardCharsets.UTF_8), System.getenv(), "key", "public").assertOk()
                .out();
        assertEquals(nix.run(sk.getBytes(StandardCharsets.UTF_8), "nix", "key", "convert-secret-to-public")
                .assertOk().stdoutText(), ourPk);
        String nixSk = Files.readString(nixKeyFile);
        assertEquals(nix.run(nixSk.getBytes(StandardCharsets.UTF_8), "nix", "key", "convert-secret-to-public")
                .assertOk().stdoutText(), CliRun.run(nixSk.getBytes(StandardCharsets.UTF_8), System.getenv(), "key",
                "public").assertOk().out());
        assertEquals(2, CliRun.run("not a key".getBytes(StandardCharsets.UTF_8), System.getenv(), "key", "public")
                .exitCode());
    }
}
