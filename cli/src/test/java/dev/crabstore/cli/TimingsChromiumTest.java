package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The HTML timing report of a real build renders in headless Chromium without console messages (no script error),
 * and its script draws one Gantt row per unit and fills the tables.
 */
@Tag("slow")
class TimingsChromiumTest {
    @TempDir
    Path dir;

    record Ran(int code, String out, String err) {}

    Ran chromium(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--disable-gpu", "--no-sandbox",
                "--no-first-run", "--user-data-dir=" + dir.resolve("chromium-profile"), "--enable-logging=stderr",
                "--v=0"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("chromium.out");
        Path err = dir.resolve("chromium.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 180 s: " + cmd);
        }
        return new Ran(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void theReportOfARealBuildRendersWithoutConsoleErrors() throws Exception {
        Tools.require("chromium");
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir", ws.toString(), "--offline",
                "--timings").assertOk();
        Path html = TimingsCommandTest.report(ws, "html");
        JsonNode data = TimingsCommandTest.embedded(html);
        String url = html.toUri().toString();

        Ran dom = chromium("--dump-dom", url);
        assertEquals(0, dom.code(), dom.err());
        List<String> console = dom.err().lines().filter(l -> l.contains(":CONSOLE")).toList();
        assertEquals(List.of(), console, "console messages of " + html);
        String page = dom.out();
        assertTrue(page.contains("<svg"), page);
        assertTrue(page.contains("<div id=\"error\"></div>"), "the page reports no error: " + page);
        // One Gantt row per unit (sources are hidden by default; this workspace has none).
        int rows = count(page, "<g class=\"row\">");
        assertEquals(data.get("units").size(), rows, "Gantt rows");
        for (JsonNode u : data.get("units")) {
            assertTrue(page.contains(">" + u.get("name").asString() + " " + u.get("version").asString() + " "
                    + u.get("kind").asString() + "<"), "row of " + u);
        }
        Matcher critical = Pattern.compile("(?s)<table id=\"critical\">(.*?)</table>").matcher(page);
        assertTrue(critical.find(), page);
        assertEquals(data.get("criticalPath").get("units").size() + 1, count(critical.group(1), "<tr>"));
        Matcher slowest = Pattern.compile("(?s)<table id=\"slowest\">(.*?)</table>").matcher(page);
        assertTrue(slowest.find(), page);
        assertEquals(data.get("slowest").size() + 1, count(slowest.group(1), "<tr>"));

        Path png = dir.resolve("timings.png");
        Ran shot = chromium("--screenshot=" + png, "--window-size=1600,1200", url);
        assertEquals(0, shot.code(), shot.err());
        assertEquals(List.of(), shot.err().lines().filter(l -> l.contains(":CONSOLE")).toList());
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 10_000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G',
                "a PNG of " + bytes.length + " bytes");
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }
}
