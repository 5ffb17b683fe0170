package dev.crabstore.planner.config;

import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hostile {@code cfg(...)} expressions: only the documented {@link IllegalArgumentException}, with a message. */
class CfgExpressionFuzzTest {
    static final List<String> CFG = List.of("unix", "target_os=\"linux\"", "target_pointer_width=\"64\"");

    static final Fuzzer FUZZ = Fuzzer.forParser("cfg-expression").extension("txt")
            .rejectsWith(IllegalArgumentException.class)
            .target(b -> CfgExpression.matches(new String(b, StandardCharsets.UTF_8), CFG)).build();

    static InputSource generator() {
        Mutator m = new Mutator(Mutator.text("cfg(unix)", "cfg(all(unix, target_pointer_width = \"64\"))",
                "cfg(any(windows, not(target_os = \"macos\")))", "cfg(all())", "cfg(not(any(a, b, all(c, d = \"e\"))))"),
                Mutator.text("all(", "any(", "not(", "(", ")", ",", "=", "\"", "cfg(", " "));
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
