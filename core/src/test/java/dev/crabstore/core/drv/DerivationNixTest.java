package dev.crabstore.core.drv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.testkit.NixOracle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Derivations built with our API against the same derivations instantiated by the real Nix 2.8 on this machine:
 * drvPath/outPath from a dummy store, and the exact {@code .drv} bytes Nix writes into a scratch local store. Every
 * {@code .drv} Nix wrote is parsed back at the end of each test.
 */
class DerivationNixTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    @TempDir
    Path tmp;

    NixOracle nix;
    final Map<StorePath, Derivation> known = new HashMap<>();
    final DerivationHasher hasher = new DerivationHasher(SD, known::get);
    final StringBuilder bindings = new StringBuilder();

    @BeforeEach
    void setUp() {
        nix = NixOracle.create(tmp.resolve("nix"));
    }

    /** Every .drv the real Nix wrote parses, renders back to the same bytes, and has consistent output paths. */
    @AfterEach
    void parseEverythingNixWrote() throws IOException {
        Path real = nix.localStoreRealDir();
        if (!Files.isDirectory(real)) {
            return;
        }
        int n = 0;
        try (Stream<Path> files = Files.list(real)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".drv")).toList()) {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                Derivation d = AtermParser.parse(text, SD, f.toString());
                assertEquals(text, d.render(SD), f.toString());
                assertEquals(f.getFileName().toString(), d.drvPath(SD).baseName());
                n++;
            }
        }
        assertTrue(n > 0, "nix wrote no .drv files");
    }

    static Derivation.Builder base(String name) {
        return Derivation.newBuilder().name(name).system("x86_64-linux").builder("/bin/sh");
    }

    /** A Nix string literal for any Java string. */
    static String nixStr(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '$' -> sb.append("\\$");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** Adds a Nix binding {@code name = <expr>;} to the shared let and registers our derivation under its drv path. */
    StorePath bind(String name, String expr, Derivation ours) {
        bindings.append("  ").append(name).append(" = ").append(expr).append(";\n");
        StorePath p = ours.drvPath(SD);
        known.put(p, ours);
        return p;
    }

    private Path exprFile(String body) throws IOException {
        Path f = Files.createTempFile(tmp, "expr", ".nix");
        Files.writeString(f, "let\n" + bindings + "in " + body + "\n", StandardCharsets.UTF_8);
        return f;
    }

    /** Compares our derivation bound to {@code attr} with Nix's: drvPath, outPaths, and the written .drv bytes. */
    void assertMatchesNix(String attr, Derivation ours) throws IOException {
        if (!ours.outputPaths().isEmpty()) {
            assertPathsMatchNix(attr, ours);
        }
        Path inst = exprFile(attr);
        StorePath drvPath = ours.drvPath(SD);
        String printed = nix.runOkText("nix-instantiate", "--extra-experimental-features", "ca-derivations",
                "--store", nix.localStore(), inst.toString());
        assertTrue(printed.endsWith(SD.print(drvPath)), printed);
        byte[] written = Files.readAllBytes(nix.localStoreRealDir().resolve(drvPath.baseName()));
        assertArrayEquals(ours.render(SD).getBytes(StandardCharsets.UTF_8), written,
                attr + ": ours\n" + ours.render(SD) + "\nnix\n" + new String(written, StandardCharsets.UTF_8));
        assertEquals(ours, AtermParser.parse(new String(written, StandardCharsets.UTF_8), SD, drvPath.baseName()));
        OutputPaths.verify(ours, hasher, attr);
    }

    private void assertPathsMatchNix(String attr, Derivation ours) throws IOException {
        Path eval = exprFile("[ " + attr + ".drvPath ] ++ map (o: " + attr + ".${o}.outPath) (" + attr + ".outputs or [ \"out\" ])");
        String json = nix.runOkText("nix-instantiate", "--readonly-mode", "--store", nix.dummyStore(), "--eval",
                "--strict", "--json", eval.toString());
        List<String> nixPaths = new ArrayList<>();
        for (String s : json.replaceAll("[\\[\\]\"]", "").split(",")) {
            nixPaths.add(s);
        }
        StorePath drvPath = ours.drvPath(SD);
        assertEquals(SD.print(drvPath), nixPaths.get(0), attr + " drvPath");
        Set<String> ourOuts = new HashSet<>();
        ours.outputPaths().values().forEach(p -> ourOuts.add(SD.print(p)));
        assertEquals(ourOuts, new HashSet<>(nixPaths.subList(1, nixPaths.size())), attr + " output paths");
    }

    static final String SYS = "system = \"x86_64-linux\"; builder = \"/bin/sh\"; ";

    @Test
    void specialCharactersNonAsciiAndSeveralOutputs() throws IOException {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("FOO", "a\"b\\c\nd\te\rf");
        env.put("dollar", "$out ${x} $$");
        env.put("ü", "äöü € 😀 \u0001 \uFFFD");
        env.put("\uFFFD", "replacement char key");
        env.put("😀", "astral key: sorts after U+FFFD by UTF-8 bytes, before it by UTF-16");
        env.put("empty", "");
        env.put("multi", "line1\nline2\n");
        List<String> args = List.of("-c", "echo \"$out\" > $out; printf '%s\\n' x", "ü😀", "", "tab\there");
        StringBuilder attrs = new StringBuilder("derivation { name = \"special\"; " + SYS
                + "outputs = [ \"out\" \"lib\" \"dev\" \"bin\" ]; args = [");
        args.forEach(a -> attrs.append(' ').append(nixStr(a)));
        attrs.append(" ]; ");
        env.forEach((k, v) -> attrs.append(nixStr(k)).append(" = ").append(nixStr(v)).append("; "));
        attrs.append('}');
        Derivation ours = base("special").outputs("out", "lib", "dev", "bin").args(args).env(env)
                .buildInputAddressed(hasher);
        // The byte order of env keys puts U+FFFD before U+1F600; String.compareTo would not.
        List<String> keys = new ArrayList<>(ours.env().keySet());
        assertTrue(keys.indexOf("\uFFFD") < keys.indexOf("😀"), keys.toString());
        assertEquals("out lib dev bin", ours.env().get("outputs"));
        bind("special", attrs.toString(), ours);
        assertMatchesNix("special", ours);
    }

    @Test
    void fixedOutputsFlatAndRecursiveSha1Sha256() throws IOException {
        int i = 0;
        for (ContentAddressMethod m : List.of(ContentAddressMethod.FLAT, ContentAddressMethod.NAR)) {
            for (HashAlgorithm a : List.of(HashAlgorithm.SHA1, HashAlgorithm.SHA256, HashAlgorithm.SHA512)) {
                Hash h = Hash.digest(a, ("content " + i).getBytes(StandardCharsets.UTF_8));
                String name = "fod" + i++;
                String mode = m == ContentAddressMethod.NAR ? "recursive" : "flat";
                Derivation ours = base(name).args("-c", "fetch").env("url", "https://example.org/" + name)
                        .buildFixedOutput(SD, new ContentAddress(m, h));
                bind(name, "derivation { name = \"" + name + "\"; " + SYS + "args = [ \"-c\" \"fetch\" ]; url = "
                        + nixStr("https://example.org/" + name) + "; outputHashMode = \"" + mode
                        + "\"; outputHashAlgo = \"" + a.nixName() + "\"; outputHash = \"" + h.toNix32() + "\"; }",
                        ours);
                assertMatchesNix(name, ours);
            }
        }
    }

    /**
     * A 3-level chain: FOD sources, a two-output library, a middle derivation and a top one, plus a text input
     * source. Two different FODs with the same name and hash have the same modulo hash, so the top derivation's
     * inputs merge under one hex in hashDerivationModulo; the inputs are also sorted by hex, not by path.
     */
    @Test
    void threeLevelChainWithMergedFixedOutputInputs() throws IOException {
        Hash h = Hash.sha256("tarball");
        ContentAddress ca = new ContentAddress(ContentAddressMethod.NAR, h);
        String fod = "outputHashMode = \"recursive\"; outputHashAlgo = \"sha256\"; outputHash = \"" + h.toNix32()
                + "\"; ";
        Derivation src1 = base("pkgsrc").args("-c", "mirror 1").buildFixedOutput(SD, ca);
        Derivation src2 = base("pkgsrc").args("-c", "mirror 2").buildFixedOutput(SD, ca);
        StorePath src1Drv = bind("src1", "derivation { name = \"pkgsrc\"; " + SYS + "args = [ \"-c\" \"mirror 1\" ]; "
                + fod + "}", src1);
        StorePath src2Drv = bind("src2", "derivation { name = \"pkgsrc\"; " + SYS + "args = [ \"-c\" \"mirror 2\" ]; "
                + fod + "}", src2);
        assertNotEquals(src1Drv, src2Drv);
        assertEquals(src1.outputPaths(), src2.outputPaths());
        assertEquals(hasher.hashModulo(src1Drv), hasher.hashModulo(src2Drv));
        String src1Out = SD.print(src1.outputPaths().get("out"));

        Derivation lib = base("lib").outputs("out", "dev").args("-c", "build lib")
                .inputDrv(src1Drv, "out").env("src", src1Out).buildInputAddressed(hasher);
        StorePath libDrv = bind("lib", "derivation { name = \"lib\"; " + SYS
                + "outputs = [ \"out\" \"dev\" ]; args = [ \"-c\" \"build lib\" ]; src = src1; }", lib);

        StorePath text = SD.makeTextPath("hello.txt", Hash.sha256("hello\n"), List.of());
        Derivation mid = base("mid").args("-c", "build mid " + SD.print(lib.outputPaths().get("dev")))
                .inputDrv(libDrv, "dev").inputDrv(src2Drv, "out").inputSrc(text)
                .env("src", SD.print(src2.outputPaths().get("out"))).env("script", SD.print(text))
                .buildInputAddressed(hasher);
        StorePath midDrv = bind("mid", "derivation { name = \"mid\"; " + SYS
                + "args = [ \"-c\" \"build mid ${lib.dev}\" ]; src = src2; "
                + "script = builtins.toFile \"hello.txt\" \"hello\\n\"; }", mid);

        Derivation top = base("top").args("-c", "link")
                .inputDrv(midDrv, "out").inputDrv(libDrv, "out", "dev").inputDrv(src1Drv, "out")
                .inputDrv(src2Drv, "out")
                .env("deps", String.join(" ", SD.print(mid.outputPaths().get("out")),
                        SD.print(lib.outputPaths().get("out")), SD.print(lib.outputPaths().get("dev")), src1Out,
                        src1Out))
                .buildInputAddressed(hasher);
        bind("top", "derivation { name = \"top\"; " + SYS
                + "args = [ \"-c\" \"link\" ]; deps = [ mid lib.out lib.dev src1 src2 ]; }", top);

        assertMatchesNix("src1", src1);
        assertMatchesNix("src2", src2);
        assertMatchesNix("lib", lib);
        assertMatchesNix("mid", mid);
        assertMatchesNix("top", top);
    }

    /**
     * Floating content-addressed outputs (Nix's experimental ca-derivations) carry hash placeholders, and a
     * derivation depending on one gets deferred outputs and an upstream placeholder for the input's output.
     */
    @Test
    void floatingContentAddressedAndDeferred() throws IOException {
        Derivation ca = base("ca").outputs("out", "dev").args("-c", "echo > $out")
                .buildFloating(ContentAddressMethod.NAR, HashAlgorithm.SHA256);
        StorePath caDrv = bind("ca", "derivation { name = \"ca\"; " + SYS + "args = [ \"-c\" \"echo > $out\" ]; "
                + "__contentAddressed = true; outputHashMode = \"recursive\"; outputHashAlgo = \"sha256\"; "
                + "outputs = [ \"out\" \"dev\" ]; }", ca);
        assertTrue(hasher.isDeferred(ca));
        Derivation dep = base("dep").args("-c", "echo > $out").inputDrv(caDrv, "dev")
                .env("x", OutputPaths.upstreamPlaceholder(caDrv, "dev")).buildInputAddressed(hasher);
        assertTrue(dep.outputs().get("out") instanceof DerivationOutput.Deferred);
        assertEquals("", dep.env().get("out"));
        bind("dep", "derivation { name = \"dep\"; " + SYS + "args = [ \"-c\" \"echo > $out\" ]; x = ca.dev; }", dep);
        assertMatchesNix("ca", ca);
        assertMatchesNix("dep", dep);
    }
}
