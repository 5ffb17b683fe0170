package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code why-rebuild} and {@code diff} on the example workspace, built once: each change (a source edit, RUSTFLAGS,
 * a feature) is named with the exact number of units it invalidates, worked out from the plan's unit graph.
 */
class WhyRebuildCommandTest {
    @TempDir
    Path dir;

    private Map<String, String> env;
    private Path ws;

    private CliRun why(Map<String, String> e, String... more) {
        List<String> args = new ArrayList<>(List.of("why-rebuild", "--dir", ws.toString(), "--offline"));
        args.addAll(List.of(more));
        return CliRun.run(new byte[0], e, args.toArray(String[]::new)).assertOk();
    }

    /** cause → count, from {@code why-rebuild --json}. */
    private Map<String, Integer> causes(Map<String, String> e) {
        JsonNode root = JsonMapper.builder().build().readTree(why(e, "--json").out());
        Map<String, Integer> out = new HashMap<>();
        for (JsonNode c : root.get("causes")) {
            assertEquals(c.get("units").size(), c.get("count").asInt());
            out.put(c.get("cause").asString(), c.get("count").asInt());
        }
        return out;
    }

    @Test
    void namesEachChangeWithTheUnitsItInvalidates() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        env = CliRun.envWithHome(dir.resolve("home"));
        env.remove("RUSTFLAGS");
        env.remove("CARGO_ENCODED_RUSTFLAGS");
        int all = UnitPlan.of(env, ws, "--offline").units().size();

        assertEquals(Map.of(WhyRebuildCommand.NO_LAST_BUILD, all), causes(env));
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertEquals("nothing to rebuild: the outputs of all " + all + " units are in the store\n", why(env).out());
        Path oldHello = ws.resolve("target/debug/hello").toRealPath();

        // A source file of a library: its units and everything above them.
        Path lib = ws.resolve("greet/src/lib.rs");
        String original = Files.readString(lib);
        Files.writeString(lib, original + "\npub fn added() {}\n");
        int greet = UnitPlan.of(env, ws, "--offline").invalidatedBy("greet");
        assertEquals(4, greet, "greet's lib, build script and its run, and hello");
        assertEquals(Map.of("src/lib.rs of greet changed", greet), causes(env));
        assertTrue(why(env).out().contains("src/lib.rs of greet changed (invalidates " + greet + " units)\n"));
        // The time as the reference shows it, to the second (it was printed with nanoseconds).
        assertTrue(why(env).out().matches("(?s)\\d+ of \\d+ units must be rebuilt \\(compared with the build of "
                + "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\):\n.*"), why(env).out());
        String newHello = UnitPlan.of(env, ws, "--offline").drvPath(u -> u.get("package").asString().equals("hello"));
        CliRun diff = CliRun.run(new byte[0], env, "diff", oldHello.toString(), newHello).assertOk();
        assertTrue(diff.out().contains("1 root cause:\n• src/lib.rs of greet changed\n      modified: src/lib.rs\n"
                + "    in 3 derivations: greet-0.2.0, greet-0.2.0-build-script, greet-0.2.0-build-script-run\n"
                + "    via hello-1.0.0-bin-hello → greet-0.2.0\n"), diff.out());
        JsonNode dj = JsonMapper.builder().build().readTree(CliRun.run(new byte[0], env, "diff", "--json",
                oldHello.toString(), newHello).assertOk().out());
        for (JsonNode c : dj.get("rootCauses")) {
            assertEquals(1, c.get("differences").size(), c.toString());
            assertEquals("source", c.get("differences").get(0).get("kind").asString());
        }
        assertEquals(3, dj.get("rootCauses").size(), "each unit of greet reads the edited source");
        Files.writeString(lib, original);
        assertTrue(why(env).out().startsWith("nothing to rebuild"));

        // RUSTFLAGS apply to every unit (no --target).
        Map<String, String> flags = new HashMap<>(env);
        flags.put("RUSTFLAGS", "--cfg crabstore_why");
        assertEquals(all, UnitPlan.of(flags, ws, "--offline").dependentsClosure(u -> true).size());
        assertEquals(Map.of("RUSTFLAGS changed (\"\" → \"--cfg crabstore_why\")", all), causes(flags));

        // A feature no longer on by default: greet's units lose it, and greet's source (its manifest) changed.
        Path manifest = ws.resolve("greet/Cargo.toml");
        String m = Files.readString(manifest);
        Files.writeString(manifest, m.replace("default = [\"shout\"]", "default = []"));
        UnitPlan flipped = UnitPlan.of(env, ws, "--offline");
        assertEquals(Map.of("feature \"shout\" disabled on greet", flipped.invalidatedBy("greet"),
                "Cargo.toml of greet changed", flipped.invalidatedBy("greet")), causes(env));
        Files.writeString(manifest, m);
        assertTrue(why(env).out().startsWith("nothing to rebuild"));
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        Map<String, String> e = CliRun.envWithHome(dir.resolve("home"));
        Path file = Files.writeString(dir.resolve("not-in-store.txt"), "x");
        CliRun r = CliRun.run(new byte[0], e, "diff", file.toString(), file.toString());
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("is not in the store dir"), r.stderr());
        // A mistyped name (or a target/ link not built yet) is not there at all, which is what to say.
        r = CliRun.run(new byte[0], e, "diff", dir.resolve("target/debug/nothere").toString(), file.toString());
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("error: path '" + dir.resolve("target/debug/nothere") + "' does not exist"),
                r.stderr());
        String added = CliRun.run(new byte[0], e, "store", "add", file.toString()).assertOk().out().strip();
        r = CliRun.run(new byte[0], e, "diff", added, added);
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("has no deriver: it was added to the store, not built"), r.stderr());
        r = CliRun.run(new byte[0], e, "why-rebuild", "--dir", dir.resolve("nowhere").toString());
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("no Cargo.toml in"), r.stderr());
    }
}
