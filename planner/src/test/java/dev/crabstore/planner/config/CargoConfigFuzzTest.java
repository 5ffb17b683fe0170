package dev.crabstore.planner.config;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile {@code .cargo/config.toml} files over a fixed home config: parsing, {@code validate()} and then every
 * question the planner asks fail only with {@link InvalidFormatException} naming the file.
 */
class CargoConfigFuzzTest {
    static final String ORIGIN = "/fuzz-input/ws/.cargo/config.toml";
    static final String HOST = "x86_64-unknown-linux-gnu";
    static final List<String> CFG = List.of("unix", "target_os=\"linux\"", "target_pointer_width=\"64\"", "debug_assertions");
    static final ConfigLayer HOME = new ConfigLayer("/home/u/.cargo/config.toml", "/home/u",
            "[env]\nPLAIN = \"home\"\n[target.'cfg(unix)']\nrustflags = [\"-Chome\"]\n");

    static final Fuzzer FUZZ = Fuzzer.forParser("cargo-config").extension("toml")
            .rejectsWith(InvalidFormatException.class).messageNames(ORIGIN).target(b -> {
                CargoConfig c = CargoConfig.parse(List.of(new ConfigLayer(ORIGIN, "/fuzz-input/ws",
                        new String(b, StandardCharsets.UTF_8)), HOME), Map.of()).validate();
                c.rustflags(HOST, CFG);
                c.linker(HOST);
                c.env(Map.of("KEPT", "user"));
                c.offline();
                c.buildTarget().ifPresent(t -> c.rustflags(t, CFG));
                c.registryNamed("sparse+https://index.crates.io/");
                c.source("crates-io").map(s -> s.get("replace-with")).ifPresent(c::source);
            }).build();

    static final String FULL = """
            build.rustflags = ["--cfg", "b"]
            build.target = "x86_64-unknown-linux-gnu"
            net.offline = true
            [target.'cfg(all(unix, not(windows), target_pointer_width = "64"))']
            rustflags = ["--cfg", "u"]
            [target.x86_64-unknown-linux-gnu]
            rustflags = "-C target-cpu=native"
            linker = "tools/cc-wrapper"
            [env]
            KEPT = "from config"
            FORCED = { value = "forced", force = true }
            REL = { value = "data", relative = true }
            [registries.corpus]
            index = "sparse+https://index.crates.io/"
            [source.crates-io]
            replace-with = "vendored"
            [source.vendored]
            directory = "vendor"
            """;

    static InputSource generator() {
        Mutator m = new Mutator(Mutator.text(FULL, """
                [source.crates-io]
                replace-with = "corpus-local"
                [source.corpus-local]
                local-registry = "/var/tmp/crabstore-corpus/registry"
                [net]
                offline = false
                """), Mutator.text("[target.'cfg(", "[env]\n", "[source.", "[registries.", "rustflags = ", "linker = ",
                "{ value = ", "force = ", "relative = ", "true", "false", "[", "]", "{", "}", "'", "\"", "\"\"\"",
                "all(", "any(", "not(", " = \"", "cfg("));
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
