package dev.crabstore.core.path;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile store paths, parsed as a base name, as an absolute path in the default store dir, and as a store dir:
 * only {@link InvalidFormatException} with a message; whatever parses prints and re-parses to itself.
 */
class StorePathFuzzTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    static final Fuzzer FUZZ = Fuzzer.forParser("store-path").extension("txt").rejectsWith(InvalidFormatException.class)
            .target(b -> {
                String text = new String(b, StandardCharsets.UTF_8);
                InvalidFormatException first = null;
                try {
                    StorePath p = StorePath.parseBaseName(text);
                    assertEquals(p, StorePath.parseBaseName(p.baseName()));
                    p.isDerivation();
                } catch (InvalidFormatException e) {
                    first = e;
                }
                try {
                    StorePath p = SD.parsePath(text);
                    assertEquals(p, SD.parsePath(SD.print(p)));
                } catch (InvalidFormatException e) {
                    first = first == null ? e : first;
                }
                try {
                    StoreDir d = new StoreDir(text);
                    d.makeTextPath("x", dev.crabstore.core.hash.Hash.sha256("x"), java.util.List.of());
                } catch (InvalidFormatException e) {
                    first = first == null ? e : first;
                }
                if (first != null) {
                    throw first;
                }
            }).build();

    static InputSource generator() {
        Mutator m = new Mutator(Mutator.text("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t",
                "/crabstore/store/3y7fdghfqlqpighk6301diwn76hyhx6w-hello.txt",
                "/crabstore/store/dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-foo-1.0.0-lib.drv", "/nix/store",
                "/crabstore/store/dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-a+b-c_d?e=f.g"),
                Mutator.text("/crabstore/store/", "-", ".drv", "e", "u", "..", ".", "/"));
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
