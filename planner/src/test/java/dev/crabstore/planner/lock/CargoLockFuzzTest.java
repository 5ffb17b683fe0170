package dev.crabstore.planner.lock;

import dev.crabstore.planner.PlannerSeeds;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile {@code Cargo.lock} files: only {@link InvalidLockfileException} naming the file; in an accepted one,
 * every package is found again by name, version and source.
 */
class CargoLockFuzzTest {
    static final String SOURCE = "fuzz-input/Cargo.lock";

    static final Fuzzer FUZZ = Fuzzer.forParser("cargo-lock").extension("lock")
            .rejectsWith(InvalidLockfileException.class).messageNames(SOURCE).maxCorpusBytes(6 * 1024).target(b -> {
                CargoLock lock = CargoLock.parse(new String(b, StandardCharsets.UTF_8), SOURCE);
                for (LockedPackage p : lock.packages()) {
                    lock.require(p.name(), p.version(), p.source().map(LockedSource::render).orElse(null));
                }
            }).build();

    /** A version 1 lockfile (checksums in [metadata], dependencies with sources), as old cargo wrote them. */
    static final String V1 = """
            [[package]]
            name = "app"
            version = "0.1.0"
            dependencies = [
             "memchr 2.7.4 (registry+https://github.com/rust-lang/crates.io-index)",
            ]

            [[package]]
            name = "memchr"
            version = "2.7.4"
            source = "registry+https://github.com/rust-lang/crates.io-index"

            [metadata]
            "checksum memchr 2.7.4 (registry+https://github.com/rust-lang/crates.io-index)" = \
            "78ca9ab1a0babb1e7d5695e3530886289c18cf2f87ec19a575a0abdce112e3a3"
            """;

    static final List<String> DICTIONARY = List.of("[[package]]\n", "name = ", "version = ", "source = ",
            "checksum = ", "dependencies = [\n", "\"registry+https://github.com/rust-lang/crates.io-index\"",
            "\"git+https://example.org/x?branch=main#0123456789abcdef0123456789abcdef01234567\"", "[metadata]\n",
            "version = 4\n", "version = 3\n", "[root]\n", "\"\"\"", "'''", "[[", "]]", " (", ")", "#");

    /** The checked-in corpus comes from the small lockfiles only, to keep it small. */
    static InputSource corpusGenerator() {
        List<byte[]> seeds = new ArrayList<>(PlannerSeeds.fixtures("buildplan/hello/Cargo.lock",
                "buildplan/small/Cargo.lock"));
        seeds.add(V1.getBytes(StandardCharsets.UTF_8));
        Mutator m = new Mutator(seeds, Mutator.text(DICTIONARY.toArray(String[]::new)));
        return m::mutate;
    }

    static InputSource randomGenerator() {
        List<byte[]> seeds = new ArrayList<>(PlannerSeeds.fixtures("buildplan/hello/Cargo.lock",
                "buildplan/small/Cargo.lock"));
        seeds.add(V1.getBytes(StandardCharsets.UTF_8));
        seeds.addAll(PlannerSeeds.corpusLockfiles());
        Mutator m = new Mutator(seeds, Mutator.text(DICTIONARY.toArray(String[]::new)));
        return m::mutate;
    }

    @Test
    void corpus() {
        FUZZ.corpus(corpusGenerator());
    }

    @Test
    @Tag("slow")
    void random() {
        FUZZ.random(randomGenerator());
    }
}
