package dev.crabstore.planner.unit;

import dev.crabstore.planner.PlannerSeeds;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hostile {@code cargo metadata} output: only {@link UnitGraphException} naming the source. */
class CargoMetadataFuzzTest {
    static final String SOURCE = "fuzz-input/metadata.json";

    static final Fuzzer FUZZ = Fuzzer.forParser("cargo-metadata").extension("json")
            .rejectsWith(UnitGraphException.class).messageNames(SOURCE).maxCorpusBytes(6 * 1024).target(b -> {
                CargoMetadata m = CargoMetadata.parse(new String(b, StandardCharsets.UTF_8), SOURCE);
                for (MetadataPackage p : m.packages().values()) {
                    p.manifestDir();
                    p.hasLib();
                    m.pkg(p.id(), SOURCE);
                }
                m.memberSet();
            }).build();

    static final List<byte[]> DICTIONARY = Mutator.text("{", "}", "[", "]", ",", ":", "null", "true", "false", "\"\"",
            "\"packages\":", "\"id\":", "\"targets\":", "\"kind\":[]", "\"features\":", "\"workspace_members\":",
            "\"workspace_root\":", "\"manifest_path\":", "\"manifest_path\":\"/\"", "\"version\":1", "\\u0000",
            "\\ud800", "\\");

    static InputSource corpusGenerator() {
        Mutator m = new Mutator(List.of(PlannerSeeds.helloMetadataPrefix()), DICTIONARY);
        return m::mutate;
    }

    static InputSource randomGenerator() {
        List<byte[]> seeds = new java.util.ArrayList<>(PlannerSeeds.fixtures("buildplan/hello/metadata.json",
                "units/small-metadata.json"));
        seeds.add(PlannerSeeds.helloMetadataPrefix());
        Mutator m = new Mutator(seeds, DICTIONARY);
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
