package dev.crabstore.core.drv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Round trips, and one test per kind of malformed ATerm the parser must reject. */
class AtermParserTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    final Map<StorePath, Derivation> known = new HashMap<>();
    final DerivationHasher hasher = new DerivationHasher(SD, known::get);

    Derivation fooOutDev() {
        return DerivationVectorsTest.fooOutDev(hasher);
    }

    /** bar from the vectors: input derivations, escaped env. */
    Derivation bar() {
        Derivation foo = fooOutDev();
        Derivation src = DerivationVectorsTest.src();
        StorePath fooDrv = foo.drvPath(SD);
        StorePath srcDrv = src.drvPath(SD);
        known.put(fooDrv, foo);
        known.put(srcDrv, src);
        return DerivationVectorsTest.base("bar").args("-c", "echo > $out").inputDrv(fooDrv, "dev", "out")
                .inputDrv(srcDrv, "out").inputSrc(SD.makeTextPath("hello.txt", Hash.sha256("hello\n"),
                        java.util.List.of()))
                .env("FOO", "a\"b\\c\nd\te").env("ü", "€😀").buildInputAddressed(hasher);
    }

    static InvalidDerivationException rejects(String text) {
        InvalidDerivationException e = assertThrows(InvalidDerivationException.class,
                () -> AtermParser.parse(text, SD, "test.drv"));
        assertTrue(e.getMessage().startsWith("test.drv: "), e.getMessage());
        assertTrue(e instanceof InvalidFormatException);
        return e;
    }

    static void rejects(String text, String messagePart) {
        InvalidDerivationException e = rejects(text);
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    @Test
    void roundTrips() {
        Derivation floating = DerivationVectorsTest.base("ca").output("out",
                new DerivationOutput.CaFloating(ContentAddressMethod.NAR, HashAlgorithm.SHA256))
                .env("out", OutputPaths.hashPlaceholder("out")).build();
        Derivation deferred = DerivationVectorsTest.base("d").outputs("out", "doc").build();
        for (Derivation d : new Derivation[] {fooOutDev(), bar(), DerivationVectorsTest.src(), floating, deferred}) {
            String text = d.render(SD);
            Derivation back = AtermParser.parse(text, SD, "x.drv");
            assertEquals(d, back);
            assertEquals(text, back.render(SD));
        }
        assertTrue(floating.render(SD).startsWith("Derive([(\"out\",\"\",\"r:sha256\",\"\")],"));
        assertTrue(deferred.render(SD).startsWith("Derive([(\"doc\",\"\",\"\",\"\"),(\"out\",\"\",\"\",\"\")],"));
    }

    @Test
    void truncatedAnywhere() {
        String text = bar().render(SD);
        for (int cut = 0; cut < text.length(); cut++) {
            rejects(text.substring(0, cut));
        }
        rejects(text.substring(0, text.length() - 1), "offset " + (text.length() - 1));
    }

    @Test
    void badEscape() {
        String text = bar().render(SD).replace("a\\\"b", "a\\xb");
        rejects(text, "unknown escape '\\x'");
    }

    @Test
    void junkAfterClosingParen() {
        rejects(bar().render(SD) + "\n", "after the closing parenthesis");
        rejects(bar().render(SD) + ")", "after the closing parenthesis");
    }

    @Test
    void unsortedOutputs() {
        Derivation foo = fooOutDev();
        String text = foo.render(SD);
        String dev = "(\"dev\",\"" + SD.print(foo.outputPaths().get("dev")) + "\",\"\",\"\")";
        String out = "(\"out\",\"" + SD.print(foo.outputPaths().get("out")) + "\",\"\",\"\")";
        assertTrue(text.startsWith("Derive([" + dev + "," + out + "]"));
        rejects(text.replace(dev + "," + out, out + "," + dev), "output 'dev' is not sorted after 'out'");
    }

    @Test
    void duplicateOutputs() {
        String text = fooOutDev().render(SD);
        String dev = text.substring("Derive([".length(), text.indexOf("),(") + 1);
        rejects(text.replace("Derive([" + dev, "Derive([" + dev + "," + dev), "duplicate output 'dev'");
    }

    @Test
    void unsortedAndDuplicateEnvKeys() {
        String text = bar().render(SD);
        rejects(text.replace("(\"FOO\",", "(\"zzz\","), "env key");
        rejects(text.replace("(\"FOO\",\"a\\\"b\\\\c\\nd\\te\")", "(\"FOO\",\"1\"),(\"FOO\",\"2\")"),
                "duplicate env key 'FOO'");
    }

    @Test
    void envKeysAreSortedByUtf8Bytes() {
        // U+FFFD sorts before U+1F600 in UTF-8; String.compareTo says the opposite.
        Derivation d = DerivationVectorsTest.base("k").env("\uFFFD", "1").env("😀", "2").build();
        String text = d.render(SD);
        assertTrue(text.indexOf("\uFFFD") < text.indexOf("😀"));
        assertEquals(d, AtermParser.parse(text, SD, "k.drv"));
        String swapped = text.replace("(\"\uFFFD\",\"1\"),(\"😀\",\"2\")", "(\"😀\",\"2\"),(\"\uFFFD\",\"1\")");
        rejects(swapped, "is not sorted after");
    }

    @Test
    void pathOutsideStoreDir() {
        String text = fooOutDev().render(SD);
        rejects(text.replaceFirst("/crabstore/store/", "/nix/store/"), "is not in the store dir");
        rejects(bar().render(SD).replace("[\"/crabstore/store/", "[\"/elsewhere/"), "is not in the store dir");
    }

    @Test
    void pathInsideAStorePath() {
        String text = fooOutDev().render(SD);
        int i = text.indexOf("-foo-dev\"");
        rejects(text.substring(0, i) + "-foo-dev/x" + text.substring(i + "-foo-dev".length()),
                "inside a store path");
    }

    @Test
    void unknownOutputForms() {
        String src = DerivationVectorsTest.src().render(SD);
        rejects(src.replace("\"r:sha256\"", "\"r:sha999\""), "unknown hash algorithm 'r:sha999'");
        rejects(src.replace("\"r:sha256\"", "\"text:sha256\""), "unknown hash algorithm");
        rejects(src.replace("\"r:sha256\"", "\"\""), "has a hash but no hash algorithm");
        rejects(src.replaceFirst("\"2673c2[0-9a-f]*\"", "\"impure\""), "impure");
        rejects(src.replaceFirst("\"2673c2", "\"2673C2"), "not lowercase base16");
        rejects(src.replaceFirst("\"2673c2[0-9a-f]*\"", "\"08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\""),
                "not lowercase base16");
        String outPath = SD.print(DerivationVectorsTest.src().outputPaths().get("out"));
        rejects(src.replaceFirst("\"2673c2[0-9a-f]*\"", "\"\""), "must not have a path");
        rejects(src.replaceFirst("\\(\"out\",\"" + outPath + "\"", "(\"out\",\"\""), "has no path");
        rejects(src.replace("Derive([(", "Derive([x("), "expected '('");
        rejects(src.replace("Derive(", "Derivation("), "expected 'Derive('");
    }

    @Test
    void fixedOutputAtWrongPath() {
        String src = DerivationVectorsTest.src().render(SD);
        String wrong = SD.print(fooOutDev().outputPaths().get("out"));
        String outPath = SD.print(DerivationVectorsTest.src().outputPaths().get("out"));
        rejects(src.replaceFirst("\\(\"out\",\"" + outPath, "(\"out\",\"" + wrong), "content address gives");
    }

    @Test
    void unsortedOrDuplicateInputs() {
        Derivation bar = bar();
        String text = bar.render(SD);
        String[] drvs = bar.inputDrvs().keySet().stream().map(SD::print).toArray(String[]::new);
        rejects(text.replace(drvs[0], "TMP").replace(drvs[1], drvs[0]).replace("TMP", drvs[1]), "is not sorted");
        rejects(text.replace(drvs[1], drvs[0]), "duplicate input derivation");
        rejects(text.replace("[\"dev\",\"out\"]", "[\"out\",\"dev\"]"), "not sorted or have duplicates");
        rejects(text.replace("[\"dev\",\"out\"]", "[\"dev\",\"dev\"]"), "not sorted or have duplicates");
        rejects(text.replace("[\"dev\",\"out\"]", "[]"), "names no outputs");
        String srcPath = SD.print(bar.inputSrcs().first());
        rejects(text.replace("[\"" + srcPath + "\"]", "[\"" + srcPath + "\",\"" + srcPath + "\"]"),
                "duplicate input source");
        String notDrv = drvs[0].substring(0, drvs[0].length() - 4);
        rejects(text.replace(drvs[0], notDrv), "is not a .drv path");
    }

    @Test
    void invalidFieldsReportedWithSource() {
        String text = fooOutDev().render(SD);
        rejects(text.replace("(\"name\",\"foo\")", "(\"nam\",\"foo\")"), "no 'name'");
        rejects(text.replace("(\"name\",\"foo\")", "(\"name\",\"f o\")"), "invalid");
        rejects(text.replace("\"x86_64-linux\"", "\"x86\\\"64\""), "system");
        rejects(text.replace("(\"dev\",\"/", "(\"drv\",\"/"), "named 'drv'");
    }

    @Test
    void mixedOutputKinds() {
        String text = fooOutDev().render(SD);
        String devPath = SD.print(fooOutDev().outputPaths().get("dev"));
        rejects(text.replace("(\"dev\",\"" + devPath + "\"", "(\"dev\",\"\""), "mixes output kinds");
    }

    @Test
    void rawControlCharacterIsNotCanonical() {
        String text = bar().render(SD).replace("a\\\"b\\\\c\\nd", "a\\\"b\\\\c\nd");
        rejects(text, "canonical");
    }
}
