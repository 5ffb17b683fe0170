package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.drv.DerivationOutput;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.testkit.NixOracle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The strongest check of our .drv files (nix-formats.md §11 B3): publish them in an unsigned file:// cache as
 * text-CA objects, let the real Nix import them with {@code nix copy --derivation} (it parses them and recomputes
 * every input-addressed output path), then compare {@code nix show-derivation} with {@code crabstore drv show}.
 */
class DrvCacheNixTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path tmp;

    NixOracle nix;
    Path cache;
    final Map<StorePath, Derivation> known = new HashMap<>();
    final DerivationHasher hasher = new DerivationHasher(SD, known::get);

    @BeforeEach
    void setUp() throws IOException {
        nix = NixOracle.create(tmp.resolve("nix"));
        cache = tmp.resolve("cache");
        Files.createDirectories(cache.resolve("nar"));
        Files.writeString(cache.resolve("nix-cache-info"), "StoreDir: " + SD + "\n");
    }

    /** A NAR holding one regular file (the only NAR shape this test needs; the real NarWriter lives in store). */
    static byte[] singleFileNar(byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : List.of("nix-archive-1", "(", "type", "regular", "contents")) {
            narString(out, s.getBytes(StandardCharsets.US_ASCII));
        }
        narString(out, contents);
        narString(out, ")".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void narString(ByteArrayOutputStream out, byte[] b) {
        long n = b.length;
        for (int i = 0; i < 8; i++) {
            out.write((int) (n >>> (8 * i)) & 0xff);
        }
        out.writeBytes(b);
        for (int i = 0; i < (8 - b.length % 8) % 8; i++) {
            out.write(0);
        }
    }

    /** Writes an uncompressed, unsigned narinfo and its NAR into the cache. */
    void publish(StorePath path, byte[] nar, Set<StorePath> references, String ca) throws IOException {
        Hash narHash = Hash.sha256(nar);
        String narFile = "nar/" + narHash.toNix32() + ".nar";
        Files.write(cache.resolve(narFile), nar);
        String refs = references.stream().map(StorePath::baseName).sorted().collect(Collectors.joining(" "));
        String info = "StorePath: " + SD.print(path) + "\n"
                + "URL: " + narFile + "\n"
                + "Compression: none\n"
                + "FileHash: sha256:" + narHash.toNix32() + "\n"
                + "FileSize: " + nar.length + "\n"
                + "NarHash: sha256:" + narHash.toNix32() + "\n"
                + "NarSize: " + nar.length + "\n"
                + "References: " + refs + "\n"
                + "CA: " + ca + "\n";
        Files.writeString(cache.resolve(path.hashPart() + ".narinfo"), info);
    }

    /** Publishes a derivation as a text-CA object and keeps a copy of the file for {@code drv show}. */
    StorePath publish(Derivation d) throws IOException {
        String aterm = d.render(SD);
        byte[] bytes = aterm.getBytes(StandardCharsets.UTF_8);
        StorePath p = d.drvPath(SD, aterm);
        known.put(p, d);
        publish(p, singleFileNar(bytes), d.references(), "text:sha256:" + Hash.sha256(bytes).toNix32());
        Files.createDirectories(tmp.resolve("drvs"));
        Files.write(tmp.resolve("drvs").resolve(p.baseName()), bytes);
        return p;
    }

    NixOracle.ProcessResult copy(StorePath drv) {
        return nix.run("nix", "copy", "--derivation", "--option", "trusted-public-keys", "",
                "--from", "file://" + cache + "?store=" + SD, "--to", nix.localStore(), SD.print(drv));
    }

    static String drvShow(Path file) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = CrabstoreCommand.commandLine(CliContext.system());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("drv", "show", file.toString());
        assertEquals(0, rc, err.toString());
        return out.toString();
    }

    static Derivation.Builder base(String name) {
        return Derivation.newBuilder().name(name).system("x86_64-linux").builder("/bin/sh");
    }

    @Test
    void nixImportsOurDerivationChainAndShowsTheSame() throws IOException {
        // A tiny source path, published as fixed:r:sha256, used as an inputSrc.
        byte[] srcNar = singleFileNar("fn main() {}\n".getBytes(StandardCharsets.UTF_8));
        Hash srcNarHash = Hash.sha256(srcNar);
        StorePath source = SD.makeSourcePath("main.rs", srcNarHash, List.of(), false);
        publish(source, srcNar, Set.of(), "fixed:r:sha256:" + srcNarHash.toNix32());

        Derivation fod = base("vendor").args("-c", "fetch")
                .buildFixedOutput(SD, new ContentAddress(ContentAddressMethod.NAR, Hash.sha256("vendored")));
        StorePath fodDrv = publish(fod);
        Derivation lib = base("lib").outputs("out", "dev").args("-c", "rustc --crate-type lib")
                .inputSrc(source).env("src", SD.print(source)).env("NOTE", "quote\" back\\ nl\n tab\t ü 😀")
                .inputDrv(fodDrv, "out").env("vendor", SD.print(fod.outputPaths().get("out")))
                .buildInputAddressed(hasher);
        StorePath libDrv = publish(lib);
        Derivation mid = base("mid").args("-c", "rustc").inputDrv(libDrv, "dev", "out")
                .env("lib", SD.print(lib.outputPaths().get("out"))).buildInputAddressed(hasher);
        StorePath midDrv = publish(mid);
        Derivation top = base("top").args("-c", "link").inputDrv(midDrv, "out").inputDrv(libDrv, "out")
                .inputSrc(source).buildInputAddressed(hasher);
        StorePath topDrv = publish(top);

        copy(topDrv).assertOk();

        String shown = nix.runOkText("nix", "show-derivation", "--store", nix.localStore(), "-r", SD.print(topDrv));
        JsonNode nixJson = JSON.readTree(shown);
        List<String> drvs = new ArrayList<>();
        nixJson.propertyNames().forEach(drvs::add);
        assertEquals(Set.of(SD.print(topDrv), SD.print(midDrv), SD.print(libDrv), SD.print(fodDrv)), Set.copyOf(drvs));
        for (String drv : drvs) {
            JsonNode ours = JSON.readTree(drvShow(tmp.resolve("drvs").resolve(drv.substring(SD.path().length() + 1))));
            assertEquals(nixJson.get(drv), ours.get(drv), drv);
        }
        String outputs = nix.runOkText("nix-store", "--store", nix.localStore(), "-q", "--outputs", SD.print(libDrv));
        assertEquals(Set.of(SD.print(lib.outputPaths().get("out")), SD.print(lib.outputPaths().get("dev"))),
                Set.of(outputs.split("\n")));
        // What Nix stored is byte-identical to what we published.
        byte[] stored = Files.readAllBytes(nix.localStoreRealDir().resolve(topDrv.baseName()));
        assertEquals(top.render(SD), new String(stored, StandardCharsets.UTF_8));
    }

    /** The check is real: a derivation whose output path is wrong is refused by Nix. */
    @Test
    void nixRefusesAWrongOutputPath() throws IOException {
        Derivation good = base("bar").args("-c", "true").buildInputAddressed(hasher);
        Derivation other = base("baz").args("-c", "true").buildInputAddressed(hasher);
        StorePath wrong = other.outputPaths().get("out");
        Derivation bad = good.toBuilder().output("out", new DerivationOutput.InputAddressed(wrong))
                .env("out", SD.print(wrong)).build();
        StorePath badDrv = publish(bad);
        NixOracle.ProcessResult r = copy(badDrv);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderrText().contains("has incorrect output"), r.stderrText());
        copy(publish(good)).assertOk();
    }

    @Test
    void drvShowErrors() throws IOException {
        StringWriter err = new StringWriter();
        var cl = CrabstoreCommand.commandLine(CliContext.system());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertEquals(2, cl.execute("drv", "show", tmp.resolve("missing.drv").toString()));
        assertTrue(err.toString().contains("missing.drv' does not exist"), err.toString());
        Path bad = tmp.resolve("bad.drv");
        Files.writeString(bad, base("x").build().render(SD) + "junk");
        StringWriter err2 = new StringWriter();
        cl.setErr(new PrintWriter(err2));
        assertEquals(2, cl.execute("drv", "show", bad.toString()));
        assertTrue(err2.toString().contains("bad.drv: at offset"), err2.toString());
        Files.write(bad, new byte[] {'D', (byte) 0xff});
        StringWriter err3 = new StringWriter();
        cl.setErr(new PrintWriter(err3));
        assertEquals(2, cl.execute("drv", "show", bad.toString()));
        assertTrue(err3.toString().contains("not valid UTF-8"), err3.toString());
    }
}
