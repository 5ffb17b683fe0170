package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** {@code drv show} takes a derivation as every command prints it: its logical store path. */
class DrvShowCommandTest {
    @TempDir
    Path dir;

    @Test
    void theLogicalPathOfADerivationInARelocatedStoreIsFound() throws Exception {
        Tools.require("cargo");
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        CliRun plan = CliRun.run(new byte[0], env, "plan", "--dir", ws.toString(), "--offline", "--format", "json")
                .assertOk();
        String drv = JsonMapper.builder().build().readTree(plan.out()).get("units").get(0).get("drvPath").asString();
        assertTrue(drv.startsWith("/crabstore/store/"), drv);
        // it said: derivation file '/crabstore/store/…drv' does not exist (the store is under CRABSTORE_HOME)
        CliRun show = CliRun.run(new byte[0], env, "drv", "show", drv).assertOk();
        assertTrue(show.out().contains("\"" + drv + "\""), show.out());
        CliRun missing = CliRun.run(new byte[0], env, "drv", "show", drv.replace(".drv", "-gone.drv"));
        assertEquals(2, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("does not exist"), missing.stderr());
    }

    /** An output, or a target/ link to one, shows the derivation that built it, as nix show-derivation (a review). */
    @Test
    void anOutputShowsItsDeriver() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        CliRun show = CliRun.run(new byte[0], env, "drv", "show", ws.resolve("target/debug/hello").toString())
                .assertOk();
        assertTrue(show.out().contains("-hello-1.0.0-bin-hello.drv\": {") && show.out().contains("builtin:rustc"),
                show.out());
        CliRun notOne = CliRun.run(new byte[0], env, "drv", "show", ws.resolve("Cargo.toml").toString());
        assertEquals(2, notOne.exitCode(), notOne.stderr());
        assertTrue(notOne.stderr().contains("Cargo.toml is not a derivation (.drv) file"), notOne.stderr());
    }
}
