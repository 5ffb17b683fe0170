package dev.crabstore.planner.unit;

import dev.crabstore.planner.PlannerSeeds;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hostile {@code cargo build --unit-graph} output: only {@link UnitGraphException} naming the source. */
class UnitGraphFuzzTest {
    static final String SOURCE = "fuzz-input/unit-graph.json";

    static final Fuzzer FUZZ = Fuzzer.forParser("unit-graph").extension("json").rejectsWith(UnitGraphException.class)
            .messageNames(SOURCE).maxCorpusBytes(6 * 1024).target(b -> {
                UnitGraph g = UnitGraph.parse(new String(b, StandardCharsets.UTF_8), SOURCE);
                g.rootPackageIds();
                for (Unit u : g.units()) {
                    u.profile().rustcDebuginfo();
                    u.target().crateName();
                }
            }).build();

    static final List<byte[]> DICTIONARY = Mutator.text("{", "}", "[", "]", ",", ":", "null", "true", "false", "\"\"",
            "\"pkg_id\":", "\"target\":", "\"profile\":", "\"dependencies\":", "\"index\":", "\"roots\":", "\"units\":",
            "\"kind\":[]", "\"strip\":{\"resolved\":{\"Named\":\"debuginfo\"}}", "\"debuginfo\":{}",
            "\"codegen_units\":", "\"path+file:///x#0.1.0\"", "\\u0000", "\\ud800", "\\");

    static InputSource corpusGenerator() {
        Mutator m = new Mutator(List.of(PlannerSeeds.helloUnitGraphPrefix()), DICTIONARY);
        return m::mutate;
    }

    static InputSource randomGenerator() {
        List<byte[]> seeds = new java.util.ArrayList<>(PlannerSeeds.fixtures("buildplan/hello/unit-graph.json",
                "buildplan/hello/unit-graph-tests.json", "buildplan/hello/unit-graph-target.json",
                "units/small-unit-graph.json", "buildplan/small/unit-graph-release.json"));
        seeds.add(PlannerSeeds.helloUnitGraphPrefix());
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
