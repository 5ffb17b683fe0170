package dev.crabstore.planner.buildplan;

import dev.crabstore.planner.PlannerSeeds;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hostile recorded {@code --build-plan} documents: parsing, and converting an accepted plan into a unit graph with
 * the fixture's cargo metadata, fail only with {@link BuildPlanException} naming the file.
 */
class LegacyBuildPlanFuzzTest {
    static final String SOURCE = "fuzz-input/build-plan.json";
    static final CargoMetadata HELLO = CargoMetadata.parse(new String(PlannerSeeds.fixture(
            "buildplan/hello/metadata.json"), StandardCharsets.UTF_8), "hello/metadata.json");
    static final CargoMetadata SMALL = CargoMetadata.parse(new String(PlannerSeeds.fixture(
            "buildplan/small/metadata.json"), StandardCharsets.UTF_8), "small/metadata.json");

    static final Fuzzer FUZZ = Fuzzer.forParser("build-plan").extension("json").rejectsWith(BuildPlanException.class)
            .messageNames(SOURCE).maxCorpusBytes(6 * 1024).target(b -> {
                LegacyBuildPlan plan = LegacyBuildPlan.parse(new String(b, StandardCharsets.UTF_8), SOURCE);
                boolean hello = plan.invocations().isEmpty() || HELLO.packages().values().stream()
                        .anyMatch(p -> p.name().equals(plan.invocation(0).packageName()));
                plan.toUnitGraph(hello ? HELLO : SMALL);
            }).build();

    static final List<byte[]> DICTIONARY = Mutator.text("{", "}", "[", "]", ",", ":", "null", "true", "false", "\"\"",
            "\"invocations\":", "\"inputs\":", "\"deps\":", "\"args\":", "\"env\":", "\"outputs\":", "\"links\":",
            "\"compile_mode\":\"run-custom-build\"", "\"target_kind\":[\"custom-build\"]", "\"--crate-name\"",
            "\"--extern\"", "\"-C\"", "\"codegen-units=\"", "\"--cfg\"", "\"OUT_DIR\":", "\"CARGO_PRIMARY_PACKAGE\":\"1\"",
            "\"CARGO_MANIFEST_DIR\":", "\"cwd\":", "\\u0000", "\\");

    /** The hello plan cut to its first two invocations (the build script's compile and run), to keep the corpus small. */
    static byte[] helloPrefix() {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = (ObjectNode) json.readTree(PlannerSeeds.fixture("buildplan/hello/build-plan.json"));
        ArrayNode invs = (ArrayNode) root.get("invocations");
        while (invs.size() > 2) {
            invs.remove(invs.size() - 1);
        }
        return json.writeValueAsBytes(root);
    }

    static InputSource corpusGenerator() {
        Mutator m = new Mutator(List.of(helloPrefix()), DICTIONARY);
        return m::mutate;
    }

    static InputSource randomGenerator() {
        List<byte[]> seeds = new java.util.ArrayList<>(PlannerSeeds.fixtures("buildplan/hello/build-plan.json",
                "buildplan/hello/build-plan-tests.json", "buildplan/hello/build-plan-target.json",
                "buildplan/small/build-plan.json"));
        seeds.add(helloPrefix());
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
