package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Tools;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The conformance oracle: crabstore's rustc argv and env equal cargo's for every unit of real corpus builds. */
@Tag("slow")
class CargoConformanceTest {
    private void check(String workspace, String... flags) throws Exception {
        check(workspace, Map.of(), null, flags);
    }

    private void check(String workspace, Map<String, String> env, String config, String... flags) throws Exception {
        Tools.require("cargo");
        CargoOracle oracle = new CargoOracle(workspace);
        CargoOracle.Result r = oracle.run(CargoSelection.of(flags), env, config);
        System.out.println(workspace + " " + env + " " + String.join(" ", flags) + ": " + r.units() + " units, " + r.compared()
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
    void mediumRelease() throws Exception {
        check("medium", "--offline", "--locked", "--release");
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

    @Test
    void largeRelease() throws Exception {
        check("large", "--offline", "--locked", "--release");
    }

    @Test
    void gitdepDev() throws Exception {
        check("gitdep", "--locked"); // cargo fetches file:// git repos only when online
    }

    @Test
    void gitdepRelease() throws Exception {
        check("gitdep", "--locked", "--release");
    }

    /** --target puts target units in target/<triple>/ and makes host units (scripts, proc-macros) apart. */
    @Test
    void smallWithAnExplicitTarget() throws Exception {
        check("small", "--offline", "--locked", "--target", "x86_64-unknown-linux-gnu");
    }

    /** RUSTFLAGS that change the target's cfgs (target_feature) reach rustc and build scripts as cargo passes them. */
    @Test
    void smallWithRustflags() throws Exception {
        check("small", Map.of("RUSTFLAGS", "-C target-cpu=x86-64-v2 --cfg crab_flag"), null, "--offline", "--locked");
    }

    /** Config layering: cfg-matched target rustflags, build.rustflags overridden, [env] (plain, relative), linker. */
    @Test
    void mediumWithCargoConfig() throws Exception {
        check("medium", Map.of(), """
                [build]
                rustflags = ["--cfg", "ignored_when_target_tables_match"]

                [target.'cfg(all(unix, target_pointer_width = "64"))']
                rustflags = ["--cfg", "crab_unix64"]

                [target.x86_64-unknown-linux-gnu]
                linker = "cc"
                rustflags = ["-C", "force-frame-pointers=yes"]

                [env]
                CRAB_PLAIN = "plain value"
                CRAB_DATA = { value = "data/dir", relative = true }
                """, "--offline", "--locked", "-p", "textkit-util");
    }
}
