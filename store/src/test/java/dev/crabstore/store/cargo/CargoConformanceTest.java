package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance oracle: crabstore's rustc argv and env equal cargo's for every unit of real corpus builds. */
@Tag("slow")
class CargoConformanceTest {
    @TempDir
    Path tmp;

    private void check(String workspace, String... flags) throws Exception {
        Tools.require("cargo");
        CargoOracle oracle = new CargoOracle(Corpus.workspace(workspace), tmp);
        CargoOracle.Result r = oracle.run(CargoSelection.of(flags));
        System.out.println(workspace + " " + String.join(" ", flags) + ": " + r.units() + " units, " + r.compared()
                + " invocations (rustc argv+env+cwd, build-script run env) identical, " + r.differences().size() + " differences");
        r.differences().forEach(System.out::println);
        assertTrue(r.compared() > 0, "no invocation compared");
        assertEquals(0, r.differences().size(), String.join("\n", r.differences()));
    }

    @Test
    void smallDev() throws Exception {
        check("small", "--offline", "--locked");
    }

    @Test
    void smallRelease() throws Exception {
        check("small", "--offline", "--locked", "--release");
    }

    @Test
    void mediumDev() throws Exception {
        check("medium", "--offline", "--locked");
    }

    @Test
    void mediumReleaseOneMemberOtherFeatures() throws Exception {
        check("medium", "--offline", "--locked", "--release", "-p", "textkit-util", "--no-default-features", "--features",
                "lazy");
    }

    @Test
    void largeDev() throws Exception {
        check("large", "--offline", "--locked");
    }
}
