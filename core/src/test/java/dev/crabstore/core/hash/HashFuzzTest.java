package dev.crabstore.core.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile hash text, parsed as {@code algo:hash} or SRI, as a bare hash of each algorithm, and as a content address:
 * only {@link InvalidFormatException} with a message; whatever parses renders and re-parses to the same hash.
 */
class HashFuzzTest {
    static final Fuzzer FUZZ = Fuzzer.forParser("hash").extension("txt").rejectsWith(InvalidFormatException.class)
            .target(b -> {
                String text = new String(b, StandardCharsets.UTF_8);
                InvalidFormatException first = null;
                try {
                    Hash h = Hash.parse(text);
                    for (HashEncoding e : HashEncoding.values()) {
                        assertEquals(h, Hash.parse(h.toString(e)), e.name());
                    }
                } catch (InvalidFormatException e) {
                    first = e;
                }
                for (HashAlgorithm a : HashAlgorithm.values()) {
                    try {
                        Hash h = Hash.parse(a, text);
                        assertEquals(h, Hash.parse(a, h.encode(HashEncoding.NIX32)));
                    } catch (InvalidFormatException e) {
                        first = first == null ? e : first;
                    }
                }
                try {
                    ContentAddress ca = ContentAddress.parse(text);
                    assertEquals(ca, ContentAddress.parse(ca.toString()));
                } catch (InvalidFormatException e) {
                    first = first == null ? e : first;
                }
                if (first != null) {
                    throw first;
                }
            }).build();

    static List<byte[]> seeds() {
        List<String> s = new ArrayList<>();
        for (HashAlgorithm a : HashAlgorithm.values()) {
            Hash h = Hash.digest(a, "fuzz".getBytes(StandardCharsets.UTF_8));
            for (HashEncoding e : HashEncoding.values()) {
                s.add(h.toString(e));
            }
            s.add(h.toBase16());
            s.add(h.toNix32());
        }
        Hash sha = Hash.sha256("fuzz");
        s.add("fixed:r:" + sha);
        s.add("text:" + sha);
        s.add("fixed:" + sha.toString(HashEncoding.BASE16));
        return Mutator.text(s.toArray(String[]::new));
    }

    static InputSource generator() {
        Mutator m = new Mutator(seeds(), Mutator.text("sha256:", "sha512:", "sha1:", "md5:", "sha256-", "fixed:r:",
                "text:", "fixed:", "=", "z", "Z", "0"));
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
