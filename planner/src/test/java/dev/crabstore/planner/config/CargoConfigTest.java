package dev.crabstore.planner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CargoConfigTest {
    static final String HOST = "x86_64-unknown-linux-gnu";
    static final List<String> CFG = List.of("panic=\"unwind\"", "target_arch=\"x86_64\"", "target_os=\"linux\"",
            "target_pointer_width=\"64\"", "unix");

    static ConfigLayer ws(String text) {
        return new ConfigLayer("/home/u/ws/.cargo/config.toml", "/home/u/ws", text);
    }

    static ConfigLayer home(String text) {
        return new ConfigLayer("/home/u/.cargo/config.toml", "/home/u", text);
    }

    @Test
    void rustflagsPrecedenceIsCargos() {
        CargoConfig c = CargoConfig.parse(List.of(ws("build.rustflags = \"-C opt-level=1\"")), Map.of());
        assertEquals(List.of("-C", "opt-level=1"), c.rustflags(HOST, CFG));
        c = CargoConfig.parse(List.of(ws("""
                build.rustflags = ["--cfg", "b"]
                [target.'cfg(unix)']
                rustflags = ["--cfg", "u"]
                [target.'cfg(windows)']
                rustflags = ["--cfg", "w"]
                [target.x86_64-unknown-linux-gnu]
                rustflags = ["--cfg", "t"]
                """)), Map.of());
        assertEquals(List.of("--cfg", "t", "--cfg", "u"), c.rustflags(HOST, CFG), "target tables win over build");
        assertEquals(List.of("--cfg", "e"), CargoConfig.parse(List.of(ws("build.rustflags = [\"--cfg\", \"b\"]")),
                Map.of("RUSTFLAGS", " --cfg  e ")).rustflags(HOST, CFG));
        assertEquals(List.of("--cfg", "a b"), CargoConfig.parse(List.of(), Map.of("RUSTFLAGS", "--cfg x",
                "CARGO_ENCODED_RUSTFLAGS", "--cfg\u001fa b")).rustflags(HOST, CFG));
        assertEquals(List.of(), CargoConfig.parse(List.of(), Map.of("CARGO_ENCODED_RUSTFLAGS", ""))
                .rustflags(HOST, CFG));
        assertEquals(List.of("-Cx"), CargoConfig.parse(List.of(), Map.of("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
                "-Cx")).rustflags(HOST, CFG));
    }

    @Test
    void arraysJoinAcrossLayersHigherLast() {
        CargoConfig c = CargoConfig.parse(List.of(ws("build.rustflags = [\"--cfg\", \"ws\"]"),
                home("build.rustflags = [\"--cfg\", \"home\"]")), Map.of());
        assertEquals(List.of("--cfg", "home", "--cfg", "ws"), c.rustflags(HOST, CFG));
    }

    @Test
    void envTableHonoursForceAndRelative() {
        CargoConfig c = CargoConfig.parse(List.of(ws("""
                [env]
                PLAIN = "p"
                KEPT = "from config"
                FORCED = { value = "forced", force = true }
                REL = { value = "data", relative = true }
                """), home("[env]\nPLAIN = \"home\"\nHOME_ONLY = \"h\"")), Map.of());
        Map<String, String> env = c.env(Map.of("KEPT", "from user", "FORCED", "user"));
        assertEquals(Map.of("PLAIN", "p", "KEPT", "from user", "FORCED", "forced", "REL", "/home/u/ws/data",
                "HOME_ONLY", "h"), env);
    }

    @Test
    void linkerSourcesOfflineAndTarget() {
        CargoConfig c = CargoConfig.parse(List.of(ws("""
                build.target = "x86_64-unknown-linux-gnu"
                net.offline = true
                [target.x86_64-unknown-linux-gnu]
                linker = "tools/cc-wrapper"
                [source.crates-io]
                replace-with = "vendored"
                [source.vendored]
                directory = "vendor"
                """)), Map.of());
        assertEquals("/home/u/ws/tools/cc-wrapper", c.linker(HOST).orElseThrow());
        assertEquals("/home/u/ws/vendor", c.source("vendored").orElseThrow().get("directory"));
        assertEquals("vendored", c.source("crates-io").orElseThrow().get("replace-with"));
        assertTrue(c.offline());
        assertEquals(HOST, c.buildTarget().orElseThrow());
        assertFalse(CargoConfig.parse(List.of(), Map.of("CARGO_NET_OFFLINE", "false")).offline());
        assertEquals("clang", CargoConfig.parse(List.of(ws("target.x86_64-unknown-linux-gnu.linker = \"cc\"")),
                Map.of("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "clang")).linker(HOST).orElseThrow());
    }

    @Test
    void badConfigNamesTheFileAndKey() {
        String m = assertThrows(InvalidFormatException.class, () -> CargoConfig.parse(List.of(ws("[build\n")), Map.of()))
                .getMessage();
        assertTrue(m.startsWith("/home/u/ws/.cargo/config.toml: not a valid cargo config: "), m);
        m = assertThrows(InvalidFormatException.class, () -> CargoConfig.parse(List.of(ws("build.rustflags = 3")),
                Map.of()).rustflags(HOST, CFG)).getMessage();
        assertEquals("/home/u/ws/.cargo/config.toml: build.rustflags must be a string or an array of strings, found 3", m);
        m = assertThrows(InvalidFormatException.class, () -> CargoConfig.parse(List.of(ws(
                "[target.'cfg(unix']\nrustflags = []")), Map.of()).rustflags(HOST, CFG)).getMessage();
        assertTrue(m.startsWith("/home/u/ws/.cargo/config.toml: [target.'cfg(unix']: "), m);
        m = assertThrows(InvalidFormatException.class, () -> CargoConfig.parse(List.of(ws("env.X = 1")), Map.of())
                .env(Map.of())).getMessage();
        assertTrue(m.startsWith("/home/u/ws/.cargo/config.toml: [env] X must be a string"), m);
    }

    @Test
    void cfgExpressions() {
        assertTrue(CfgExpression.matches("cfg(all(unix, target_pointer_width = \"64\"))", CFG));
        assertTrue(CfgExpression.matches("cfg(any(windows, not(target_os = \"macos\")))", CFG));
        assertFalse(CfgExpression.matches("cfg(target_arch = \"aarch64\")", CFG));
        assertFalse(CfgExpression.matches("cfg(all(unix, windows))", CFG));
        assertThrows(IllegalArgumentException.class, () -> CfgExpression.matches("cfg(foo(unix))", CFG));
        assertThrows(IllegalArgumentException.class, () -> CfgExpression.matches("unix", CFG));
    }
}
