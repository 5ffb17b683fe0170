package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 8 on corpus {@code medium} (three members: textkit-util <- textkit <- textkit-cli), one store for every step:
 * {@code crabstore test} passes; run again, every report is cached; after an edit of textkit, exactly the harnesses
 * whose units reach textkit in cargo's own unit graph run again (counted here from {@code cargo test --unit-graph},
 * not from crabstore's plan); a failing test fails the command and is not cached.
 */
@Tag("slow")
class CorpusTestCommandTest {
    @TempDir
    Path dir;

    private static final Pattern RUNNING = Pattern.compile("Running (?:unittests )?(\\S+) \\(\\S+/deps/([^ )]+)\\)");

    @Test
    void mediumPassesThenIsCachedThenRerunsOnlyDependentsOfAnEditAndNeverCachesAFailure() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("medium");
        BuildCommandTest.copyTree(Corpus.workspace("medium"), ws);
        Map<String, String> env = CorpusBuildTest.baseEnv();
        env.put("CRABSTORE_HOME", dir.resolve("home").toString());
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());

        CliRun first = test(env, ws).assertOk();
        Map<String, Boolean> harnesses = cachedByHarness(first);
        assertEquals(3, harnesses.size(), "textkit lib, textkit-cli bin, textkit-util lib: " + first.stderr());
        assertFalse(harnesses.containsValue(true), first.out());
        assertTrue(first.out().contains("test tests::roundtrip ... ok"), first.out());
        assertTrue(first.out().contains("test tests::lines ... ok"), first.out());
        assertTrue(first.stderr().contains("3 passed, 0 failed; tests: 2 passed, 0 failed"), first.stderr());

        CliRun again = test(env, ws, "-j", "2").assertOk(); // planned again (another command line): nothing runs
        assertTrue(again.stderr().contains("0 built"), again.stderr());
        assertEquals(List.of(true, true, true), List.copyOf(cachedByHarness(again).values()), again.out());
        CliRun replay = test(env, ws).assertOk(); // the same command line: replayed from the fingerprint
        assertEquals(List.of(true, true, true), List.copyOf(cachedByHarness(replay).values()), replay.out());

        // Edit textkit: what must run again is what cargo's unit graph says depends on it.
        Set<String> expected = harnessesReaching(ws, env, "textkit");
        assertEquals(2, expected.size(), "textkit's own tests and textkit-cli's: " + expected);
        Path lib = ws.resolve("crates/textkit/src/lib.rs");
        Files.writeString(lib, Files.readString(lib) + "\n// edited\n");
        CliRun edited = test(env, ws).assertOk();
        Set<String> ran = new HashSet<>();
        cachedByHarness(edited).forEach((h, cached) -> {
            if (!cached) {
                ran.add(h);
            }
        });
        assertEquals(expected, ran, edited.stderr() + edited.out());

        // A failing test in textkit-cli: the command fails, twice (a failure is never cached), the others stay cached.
        Path main = ws.resolve("crates/textkit-cli/src/main.rs");
        Files.writeString(main, Files.readString(main) + """

                #[cfg(test)]
                mod failing {
                    #[test]
                    fn broken() {
                        assert!(1 + 1 == 3, "crabstore test must report this");
                    }
                }
                """);
        for (int round = 0; round < 2; round++) {
            CliRun failed = test(env, ws, "--no-fail-fast");
            assertEquals(ExitCodes.FAILURE, failed.exitCode(), failed.stderr());
            assertTrue(failed.out().contains("crabstore test must report this"), failed.out());
            Matcher m = Pattern.compile("(?m)^test result: FAILED\\..*$").matcher(failed.out());
            assertTrue(m.find(), failed.out());
            assertFalse(m.group().endsWith("(cached)"), m.group());
            assertTrue(failed.stderr().contains("to rerun pass `-p textkit-cli --bin textkit`"), failed.stderr());
            assertTrue(failed.stderr().contains("2 passed (2 cached), 1 failed"), failed.stderr());
        }
    }

    private static CliRun test(Map<String, String> env, Path ws, String... more) {
        List<String> args = new ArrayList<>(List.of("test", "--dir", ws.toString(), "--offline", "--locked"));
        args.addAll(List.of(more));
        return CliRun.run(new byte[0], env, args.toArray(String[]::new));
    }

    /** {@code <source>#<harness file>} of each Running line, and whether its result line says (cached). */
    static Map<String, Boolean> cachedByHarness(CliRun r) {
        List<String> names = RUNNING.matcher(r.stderr()).results().map(m -> m.group(2).replaceAll("-[0-9a-f]+$", "")
                + ":" + m.group(1)).toList();
        List<Boolean> cached = Pattern.compile("(?m)^test result: .*$").matcher(r.out()).results()
                .map(m -> m.group().endsWith("(cached)")).toList();
        assertEquals(names.size(), cached.size(), r.stderr() + r.out());
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), cached.get(i));
        }
        return out;
    }

    /**
     * From cargo's own {@code cargo test --unit-graph}: the test harnesses (roots of mode test) whose dependency
     * closure holds a unit of package {@code pkg}, named as {@link #cachedByHarness} names them.
     */
    static Set<String> harnessesReaching(Path ws, Map<String, String> env, String pkg) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("cargo", "test", "-Z", "unstable-options", "--unit-graph", "--offline",
                "--locked").directory(ws.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("RUSTC_BOOTSTRAP", "1");
        Process p = pb.start();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), json);
        JsonNode units = JsonMapper.builder().build().readTree(json).get("units");
        Set<String> out = new HashSet<>();
        for (JsonNode root : JsonMapper.builder().build().readTree(json).get("roots")) {
            JsonNode u = units.get(root.asInt());
            if (!u.get("mode").asString().equals("test") || !reaches(units, root.asInt(), pkg, new HashSet<>())) {
                continue;
            }
            String src = u.get("target").get("src_path").asString();
            String crate = u.get("target").get("name").asString().replace('-', '_');
            out.add(crate + ":" + src.substring(src.indexOf("/src/") + 1));
        }
        return out;
    }

    private static boolean reaches(JsonNode units, int i, String pkg, Set<Integer> seen) {
        if (!seen.add(i)) {
            return false;
        }
        JsonNode u = units.get(i);
        if (u.get("pkg_id").asString().matches(".*/" + Pattern.quote(pkg) + "#.*")) {
            return true;
        }
        for (JsonNode d : u.get("dependencies")) {
            if (reaches(units, d.get("index").asInt(), pkg, seen)) {
                return true;
            }
        }
        return false;
    }
}
