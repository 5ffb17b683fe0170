package dev.crabstore.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile {@code nix-cache-info} files. The format is lenient as Nix's (unknown keys and lines without a colon are
 * ignored), so most mutations are accepted; a bad Priority is an {@link InvalidNarInfoException} naming the file.
 * An accepted file renders and re-parses to itself.
 */
class NixCacheInfoFuzzTest {
    static final String SOURCE = "fuzz-input/nix-cache-info";

    static final Fuzzer FUZZ = Fuzzer.forParser("nix-cache-info").extension("txt")
            .rejectsWith(InvalidNarInfoException.class).messageNames(SOURCE).corpusKeepsAccepted().target(b -> {
                NixCacheInfo i = NixCacheInfo.parse(new String(b, StandardCharsets.UTF_8), SOURCE);
                assertEquals(i, NixCacheInfo.parse(i.render(), "rendered"), "render and parse again");
                i.priorityOrDefault();
            }).build();

    static InputSource generator() {
        Mutator m = new Mutator(Mutator.text(NixCacheInfo.of("/nix/store", true, 40).render(),
                NixCacheInfo.of("/crabstore/store", false, 0).render(), "StoreDir: /crabstore/store\nPriority: 10\n",
                "Priority:  -1 \r\nWantMassQuery: 1\n"),
                Mutator.text("StoreDir: ", "WantMassQuery: ", "Priority: ", ":", "\n", "Priority: 1"));
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
