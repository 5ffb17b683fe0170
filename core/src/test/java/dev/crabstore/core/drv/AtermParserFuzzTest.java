package dev.crabstore.core.drv;

import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hostile {@code .drv} files: only {@link InvalidDerivationException} naming the source; accepted ones are usable. */
class AtermParserFuzzTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final String SOURCE = "fuzz-input.drv";

    static final Fuzzer FUZZ = Fuzzer.forParser("drv").extension("drv").rejectsWith(InvalidDerivationException.class)
            .messageNames(SOURCE).target(b -> {
                Derivation d = AtermParser.parse(new String(b, StandardCharsets.UTF_8), SD, SOURCE);
                d.outputPaths();
                d.references();
                d.isFixedOutput();
            }).build();

    /** Derivations of the test vectors, rendered by {@link AtermWriter}: input-addressed, fixed, floating, deferred. */
    static List<byte[]> seeds() {
        AtermParserTest t = new AtermParserTest();
        Derivation floating = DerivationVectorsTest.base("ca").output("out",
                new DerivationOutput.CaFloating(ContentAddressMethod.NAR, HashAlgorithm.SHA256))
                .env("out", OutputPaths.hashPlaceholder("out")).build();
        Derivation deferred = DerivationVectorsTest.base("d").outputs("out", "doc").build();
        return Mutator.text(t.fooOutDev().render(SD), t.bar().render(SD), DerivationVectorsTest.src().render(SD),
                floating.render(SD), deferred.render(SD));
    }

    static InputSource generator() {
        Mutator m = new Mutator(seeds(), Mutator.text("Derive(", "[", "]", "(", ")", ",", "\"\"", "\"out\"",
                "\"/crabstore/store/", "\"r:sha256\"", "\"sha256\"", "\"md5\"", "\\n", "\\\"", "\\x", "\\",
                "\"impure\"", "(\"name\",\"x\")", ".drv\"", "\"drv\""));
        return m::mutate;
    }

    @Test
    void corpus() {
        FUZZ.corpus(generator());
    }

    @Test
    @Tag("slow")
    void random() {
        FUZZ.random(generator());
    }
}
