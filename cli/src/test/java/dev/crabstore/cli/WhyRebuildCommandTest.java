package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.planner.diff.RebuildReasons;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private Map<String, Integer> causes(Map<String, String> e, String... more) {
        List<String> args = new ArrayList<>(List.of("--json"));
        args.addAll(List.of(more));
        JsonNode root = JsonMapper.builder().build().readTree(why(e, args.toArray(String[]::new)).out());
        Map<String, Integer> out = new HashMap<>();
        for (JsonNode c : root.get("causes")) {
            assertEquals(c.get("units").size(), c.get("count").asInt());
            out.put(c.get("cause").asString(), c.get("count").asInt());
        }
        return out;
    }

    /** The example workspace, copied to {@link #ws}. */
    private void checkoutHello() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
    }

    @Test
    void namesEachChangeWithTheUnitsItInvalidates() throws Exception {
        checkoutHello();
        env = isolated("home", dir.resolve("no-config"));
        int all = UnitPlan.of(env, ws, "--offline").units().size();

        assertEquals(Map.of(RebuildReasons.NO_LAST_BUILD, all), causes(env));
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
        // with what changed under it, as diff says it (a review: "arguments of greet changed" said not which)
        assertTrue(why(env).out().contains("src/lib.rs of greet changed (invalidates " + greet + " units)\n"
                + "      modified: src/lib.rs\n"), why(env).out());
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

    /** A store of its own that reads the substitution settings of {@code config} only (as build reads them). */
    private Map<String, String> isolated(String home, Path config) {
        Map<String, String> e = CliRun.envWithHome(dir.resolve(home));
        e.remove("CRABSTORE_SUBSTITUTERS");
        e.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        e.remove("RUSTFLAGS");
        e.remove("CARGO_ENCODED_RUSTFLAGS");
        e.put("XDG_CONFIG_HOME", config.toString());
        return e;
    }

    /** Unit name → the cache why-rebuild says it would be substituted from. */
    private static Map<String, String> substitutions(JsonNode root) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode s : root.get("substitutions")) {
            assertEquals(s.get("units").size(), s.get("count").asInt());
            s.get("units").forEach(u -> out.put(u.get("name").asString(), s.get("from").asString()));
        }
        return out;
    }

    /** {@code N built, M substituted} of a build's summary line. */
    private static int[] builtAndSubstituted(CliRun build) {
        Matcher m = Pattern.compile(": (\\d+) built, (?:(\\d+) substituted \\([^)]*\\), )?\\d+ fresh")
                .matcher(build.stderr());
        assertTrue(m.find(), build.stderr());
        return new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))};
    }

    @Test
    void unitsASignedCacheHoldsAreSubstitutedNotCompiled() throws Exception {
        checkoutHello();
        Path noConfig = dir.resolve("no-config");
        Map<String, String> a = isolated("home-a", noConfig);
        int all = UnitPlan.of(a, ws, "--offline").units().size();
        CliRun.run(new byte[0], a, "build", "--dir", ws.toString(), "--offline").assertOk();
        SecretKey key = SecretKey.generate("why-cache-1", new SecureRandom());
        Path keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        Path cache = dir.resolve("cache");
        String url = "file://" + cache;
        CliRun.run(new byte[0], a, "copy", "--to", url, "--sign", keyFile.toString(), "--all").assertOk();

        // A fresh store whose user config names the cache and trusts its key, as build reads it.
        Path config = dir.resolve("config");
        Files.createDirectories(config.resolve("crabstore"));
        Files.writeString(config.resolve("crabstore/config.toml"), "substituters = [\"" + url + "\"]\n"
                + "trusted-public-keys = [\"" + key.toPublicKey() + "\"]\n");
        Map<String, String> b = isolated("home-b", config);
        JsonNode fetched = JsonMapper.builder().build().readTree(why(b, "--json").out());
        assertEquals(0, fetched.get("mustRebuild").asInt(), fetched.toString());
        Map<String, String> from = substitutions(fetched);
        assertTrue(from.containsKey("hello-1.0.0-bin-hello"), from.toString());
        assertEquals(Set.of(url), Set.copyOf(from.values()));
        assertEquals(from.size(), fetched.get("wouldSubstitute").asInt());
        assertEquals(0, fetched.get("causes").size(), fetched.toString());
        // The units only the substituted ones need (greet's build script and its run) are neither built nor fetched.
        assertEquals(all - from.size(), fetched.get("notNeeded").asInt(), fetched.toString());
        assertEquals(all - from.size(), fetched.get("notNeededUnits").size());
        String human = why(b).out();
        assertTrue(human.startsWith("0 of " + all + " units must be rebuilt, " + from.size() + " would be "
                + "substituted:\nwould be substituted from " + url + " (" + from.size() + " units)\n"), human);
        assertTrue(human.contains(WhyRebuildCommand.NOT_NEEDED + " (" + (all - from.size()) + " units)\n"), human);

        // --no-substitute, and a key the cache did not sign with: everything is compiled.
        JsonNode local = JsonMapper.builder().build().readTree(why(b, "--json", "--no-substitute").out());
        assertEquals(all, local.get("mustRebuild").asInt(), local.toString());
        assertEquals(0, local.get("wouldSubstitute").asInt());
        assertEquals(Map.of(RebuildReasons.NO_LAST_BUILD, all), causes(b, "--no-substitute"));
        String other = SecretKey.generate("other-1", new SecureRandom()).toPublicKey().toString();
        CliRun untrusted = why(isolated("home-b", noConfig), "--json", "--substituters", url,
                "--trusted-public-keys", other);
        assertTrue(untrusted.stderr().contains("not signed by a trusted key"), untrusted.stderr());
        JsonNode u = JsonMapper.builder().build().readTree(untrusted.out());
        assertEquals(all, u.get("mustRebuild").asInt(), u.toString());
        assertEquals(0, u.get("wouldSubstitute").asInt(), u.toString());
        // The options name the cache and the key as well as the config does.
        JsonNode byOptions = JsonMapper.builder().build().readTree(why(isolated("home-b", noConfig), "--json",
                "--substituters", url, "--trusted-public-keys", key.toPublicKey().toString()).out());
        assertEquals(from, substitutions(byOptions));

        // why-rebuild fetched nothing: the build that follows does what it said, fetching every unit it named.
        int[] done = builtAndSubstituted(CliRun.run(new byte[0], b, "build", "--dir", ws.toString(), "--offline")
                .assertOk());
        assertEquals(0, done[0]);
        assertEquals(from.size(), done[1]);
        assertTrue(why(b).out().startsWith("nothing to rebuild"), why(b).out());

        // Mixed: hello's own source edited (its binary is in no cache) in another fresh store: hello is compiled, and
        // what it is compiled from is fetched.
        Path main = ws.resolve("hello/src/main.rs");
        Files.writeString(main, Files.readString(main) + "\n// edited\n");
        Map<String, String> c = isolated("home-c", config);
        JsonNode mixed = JsonMapper.builder().build().readTree(why(c, "--json").out());
        assertEquals(1, mixed.get("mustRebuild").asInt(), mixed.toString());
        assertEquals("hello-1.0.0-bin-hello", mixed.get("causes").get(0).get("units").get(0).get("name").asString());
        Map<String, String> mixedFrom = substitutions(mixed);
        assertFalse(mixedFrom.containsKey("hello-1.0.0-bin-hello"), mixedFrom.toString());
        // hello's derivation takes greet's lib, its build script's run and greet-macros, not the script's binary.
        assertEquals(Set.of("greet-0.2.0", "greet-0.2.0-build-script-run", "greet-macros-0.1.0"), mixedFrom.keySet());
        assertEquals("greet-0.2.0-build-script", mixed.get("notNeededUnits").get(0).get("name").asString());
        assertTrue(why(c).out().startsWith("1 of " + all + " units must be rebuilt, 3 would be substituted:\n"),
                why(c).out());
        done = builtAndSubstituted(CliRun.run(new byte[0], c, "build", "--dir", ws.toString(), "--offline")
                .assertOk());
        assertEquals(1, done[0]);
        // The three were fetched (build counts one that came as another's reference as fresh), the script was not.
        assertTrue(done[1] >= 2, Integer.toString(done[1]));
        assertEquals("nothing to rebuild: 1 of " + all + " units are not in the store, but the next build does not "
                + "need them:\n" + WhyRebuildCommand.NOT_NEEDED + " (1 unit)\n    greet-0.2.0-build-script\n",
                why(c).out());
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
        assertTrue(r.stderr().contains(dir.resolve("nowhere") + ": no such directory"), r.stderr());
    }
}
