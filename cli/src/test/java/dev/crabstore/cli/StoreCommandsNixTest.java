package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** store add and path-info against a real Nix store holding the same tree. */
class StoreCommandsNixTest {
    @TempDir
    Path dir;

    @Test
    void addAndPathInfoAgreeWithNix() {
        NixOracle nix = NixOracle.create(dir.resolve("nix"));
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        Map<String, String> env = CliRun.envWithHome(dir.resolve("crab"));
        String ours = CliRun.run(new byte[0], env, "store", "add", tree.toString()).assertOk().out().strip();
        String theirs = nix.runOkText("nix", "store", "add-path", "--store", nix.localStore(), tree.toString());
        assertEquals(theirs, ours);
        JsonMapper m = JsonMapper.builder().build();
        JsonNode a = m.readTree(CliRun.run(new byte[0], env, "store", "path-info", "--json", ours).assertOk().out())
                .get(0);
        JsonNode b = m.readTree(nix.runOkText("nix", "path-info", "--json", "--store", nix.localStore(), theirs))
                .get(0);
        for (String field : new String[] {"path", "narHash", "narSize", "ca"}) {
            assertEquals(b.get(field), a.get(field), field);
        }
        CliRun missing = CliRun.run(new byte[0], env, "store", "path-info",
                "/crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.stderr().contains("is not valid"), missing.stderr());
    }
}
