package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code build --timings}: the report's units and statuses are those of the build's own log (its
 * {@code --message-format json} messages), for a cold build and then a no-op one.
 */
class TimingsCommandTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    Map<String, String> env() {
        return CliRun.envWithHome(dir.resolve("home"));
    }

    /**
     * The build's log as unit key → fresh: one {@code compiler-artifact} per compiled unit (package id, target and
     * whether it is a test), one {@code build-script-executed} per build-script run.
     */
    static Map<String, Boolean> logUnits(String stdout) {
        Map<String, Boolean> units = new TreeMap<>();
        for (String line : stdout.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode m = JSON.readTree(line);
            String reason = m.get("reason").asString();
            if (reason.equals("compiler-artifact")) {
                String key = m.get("package_id").asString() + "|" + m.get("target").get("name").asString()
                        + (m.get("profile").get("test").asBoolean() ? "|test" : "");
                assertEquals(null, units.put(key, m.get("fresh").asBoolean()), "reported twice: " + key);
            } else if (reason.equals("build-script-executed")) {
                // cargo's message has no "fresh": the report must agree with the script's compile unit.
                assertEquals(null, units.put(m.get("package_id").asString() + "|run", null), line);
            }
        }
        return units;
    }

    /** The report's units (sources aside) as unit key → status. */
    static Map<String, String> reportUnits(JsonNode report) {
        Map<String, String> units = new TreeMap<>();
        for (JsonNode u : report.get("units")) {
            if (u.get("kind").asString().equals("source")) {
                continue;
            }
            String kind = u.get("kind").asString();
            String key = u.get("packageId").asString() + (kind.equals("run-build-script") ? "|run"
                    : "|" + u.get("target").asString() + (kind.endsWith("/test") ? "|test" : ""));
            units.put(key, u.get("status").asString());
        }
        return units;
    }

    static Path report(Path ws, String ext) throws Exception {
        Path dir = ws.resolve("target/crabstore-timings");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> stamped = s.filter(p -> p.getFileName().toString().matches(
                    "crabstore-timing-\\d{8}T\\d{6}Z\\." + ext)).sorted().toList();
            assertTrue(!stamped.isEmpty(), "no timestamped ." + ext + " report in " + dir);
            Path latest = dir.resolve("crabstore-timing." + ext);
            assertEquals(Files.readString(stamped.get(stamped.size() - 1)), Files.readString(latest));
            return latest;
        }
    }

    /** The JSON blob the HTML page embeds. */
    static JsonNode embedded(Path html) throws Exception {
        String page = Files.readString(html, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?s)<script id=\"timings-data\" type=\"application/json\">(.*?)</script>")
                .matcher(page);
        assertTrue(m.find(), "no embedded data in " + html);
        return JSON.readTree(m.group(1));
    }

    @Test
    void theReportAgreesWithTheBuildsLog() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);

        CliRun cold = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline",
                "--message-format", "json", "--timings=json").assertOk();
        Path json = report(ws, "json");
        assertTrue(cold.stderr().contains("Timing report saved to " + ws.resolve("target/crabstore-timings")),
                cold.stderr());
        JsonNode r = JSON.readTree(json.toFile());
        Map<String, Boolean> log = logUnits(cold.out());
        Map<String, String> rep = reportUnits(r);
        assertEquals(log.keySet(), rep.keySet(), "the units of the log and of the report");
        log.forEach((k, fresh) -> assertEquals("built", rep.get(k), k + " in a cold build"));
        assertTrue(log.values().stream().allMatch(f -> f == null || !f), "a cold build compiles everything: " + log);
        assertEquals(1, r.get("version").asInt());
        assertTrue(r.get("success").asBoolean());
        JsonNode t = r.get("totals");
        assertEquals(rep.size(), t.get("built").asInt());
        assertEquals(r.get("units").size(), t.get("units").asInt());
        long wall = t.get("wallMillis").asLong();
        long sum = 0;
        Map<Integer, JsonNode> byId = new HashMap<>();
        for (JsonNode u : r.get("units")) {
            byId.put(u.get("id").asInt(), u);
            if (u.get("status").asString().equals("built")) {
                long start = u.get("start").asLong();
                long end = u.get("end").asLong();
                assertTrue(0 <= start && start <= end && end <= wall, u.toString());
                assertEquals(end - start, u.get("millis").asLong());
                sum += end - start;
                assertTrue(u.get("outPath").asString().startsWith("/crabstore/store/"), u.toString());
                assertTrue(u.get("drvPath").asString().endsWith(".drv"), u.toString());
            }
        }
        assertEquals(sum, t.get("unitMillis").asLong());
        // The critical path is a chain: each unit depends on the one before it.
        JsonNode cp = r.get("criticalPath").get("units");
        assertTrue(cp.size() >= 2, r.get("criticalPath").toString());
        long cpMillis = 0;
        for (int i = 0; i < cp.size(); i++) {
            JsonNode u = byId.get(cp.get(i).asInt());
            cpMillis += u.get("millis").asLong();
            if (i > 0) {
                int prev = cp.get(i - 1).asInt();
                assertTrue(u.get("deps").valueStream().anyMatch(d -> d.asInt() == prev), "chain at " + u);
            }
        }
        assertEquals(cpMillis, r.get("criticalPath").get("millis").asLong());
        assertTrue(cpMillis <= wall);

        // A second build does nothing: the log says every unit is fresh, and so does the HTML report.
        CliRun again = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline",
                "--message-format", "json", "--timings").assertOk();
        Path html = report(ws, "html");
        assertTrue(again.stderr().contains("Timing report saved to " + ws.resolve("target/crabstore-timings")),
                again.stderr());
        JsonNode second = embedded(html);
        Map<String, Boolean> log2 = logUnits(again.out());
        Map<String, String> rep2 = reportUnits(second);
        assertEquals(log2.keySet(), rep2.keySet());
        assertEquals(rep.keySet(), rep2.keySet());
        log2.forEach((k, fresh) -> {
            assertTrue(fresh == null || fresh, k + " fresh in the log");
            assertEquals("fresh", rep2.get(k), k);
        });
        assertEquals(0, second.get("totals").get("built").asInt());
        assertEquals(second.get("units").size(), second.get("totals").get("fresh").asInt());
        assertEquals(0, second.get("criticalPath").get("units").size());

        // A timed build is never replayed from the no-op fingerprint: each run writes its report.
        Files.delete(html);
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--timings").assertOk();
        assertTrue(Files.isRegularFile(html));
    }

    @Test
    void aFailedBuildStillWritesItsReport() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Path main = ws.resolve("hello/src/main.rs");
        Files.writeString(main, Files.readString(main) + "\nfn broken( {\n");
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--timings=json");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("Timing report saved to "), r.stderr());
        JsonNode report = JSON.readTree(report(ws, "json").toFile());
        assertEquals(false, report.get("success").asBoolean());
        Map<String, String> status = new TreeMap<>();
        for (JsonNode u : report.get("units")) {
            status.put(u.get("name").asString() + " " + u.get("kind").asString(), u.get("status").asString());
        }
        assertEquals("failed", status.get("hello bin"), status.toString());
        assertEquals("built", status.get("greet lib"), status.toString());
        assertEquals(1, report.get("totals").get("failed").asInt());
        // readable by others, as cargo's reports are (a temporary file's 0600 used to stay)
        try (var files = Files.list(ws.resolve("target/crabstore-timings"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(f)), f.toString());
            }
        }
    }

    @Test
    void anUnknownFormatIsRefused() {
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", dir.toString(), "--timings=xml");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--timings must be html or json, not 'xml'"), r.stderr());
    }

    @Test
    void thePageEmbedsTheDataSafely() {
        var node = new dev.crabstore.store.timing.TimingNode(0, "evil</script><script>alert(1)</script>", "1.0.0",
                "lib", "p", "t", "/crabstore/store/x.drv", "/crabstore/store/x", List.of());
        var unit = new dev.crabstore.store.timing.UnitTiming(node, dev.crabstore.store.timing.TimingStatus.FRESH,
                java.util.OptionalLong.empty(), java.util.OptionalLong.empty(), "");
        String page = TimingsHtml.render(new dev.crabstore.store.timing.TimingReport(java.time.Instant.EPOCH,
                "crabstore build --timings", 1, true, 5, List.of(unit), List.of()));
        assertEquals(-1, page.indexOf("evil</script>"));
        assertEquals(-1, page.indexOf(TimingsHtml.PLACEHOLDER));
        assertTrue(page.contains("evil<\\/script>"));
        assertTrue(!page.contains("http://") || page.indexOf("http://") == page.indexOf("http://www.w3.org/2000/svg"),
                "no network references but the SVG namespace");
    }
}
