package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealiseCommandTest {
    @TempDir
    Path dir;

    Map<String, String> env() {
        return CliRun.envWithHome(dir.resolve("home"));
    }

    @Test
    void realisesNixsFooVector() throws Exception {
        Tools.require("bwrap");
        // The `foo` derivation of nix-formats.md §9, as Nix writes it.
        Path drv = Files.writeString(dir.resolve("foo.drv"), "Derive([(\"out\",\"/crabstore/store/"
                + "m90n9zmwjd4jy4aq881nf7nzi6g3nhq1-foo\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh\",[\"-c\","
                + "\"echo > $out\"],[(\"builder\",\"/bin/sh\"),(\"name\",\"foo\"),(\"out\",\"/crabstore/store/"
                + "m90n9zmwjd4jy4aq881nf7nzi6g3nhq1-foo\"),(\"system\",\"x86_64-linux\")])");
        CliRun r = CliRun.run(new byte[0], env(), "realise", drv.toString()).assertOk();
        assertEquals("/crabstore/store/m90n9zmwjd4jy4aq881nf7nzi6g3nhq1-foo", r.out().strip());
        assertTrue(r.stderr().contains("gax4shfg673nbzw5dvq11zis8sfcc1hv-foo.drv"), r.stderr());
        assertEquals("\n", Files.readString(dir.resolve("home/store/m90n9zmwjd4jy4aq881nf7nzi6g3nhq1-foo")));
        // Again: already valid, nothing is built.
        CliRun again = CliRun.run(new byte[0], env(), "realise",
                "/crabstore/store/gax4shfg673nbzw5dvq11zis8sfcc1hv-foo.drv").assertOk();
        assertEquals("", again.stderr());
    }

    @Test
    void aFailingBuilderFailsTheCommand() throws Exception {
        Tools.require("bwrap");
        String out = "/crabstore/store/00000000000000000000000000000000-bad";
        // Output paths are checked by the parser only for consistency of form; this one is built and fails first.
        Path drv = Files.writeString(dir.resolve("bad.drv"), "Derive([(\"out\",\"" + out + "\",\"\",\"\")],[],[],"
                + "\"x86_64-linux\",\"/bin/sh\",[\"-c\",\"echo broken >&2; exit 7\"],[(\"builder\",\"/bin/sh\"),"
                + "(\"name\",\"bad\"),(\"out\",\"" + out + "\"),(\"system\",\"x86_64-linux\")])");
        CliRun r = CliRun.run(new byte[0], env(), "realise", drv.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("broken") && r.stderr().contains("exit code 7"), r.stderr());
        assertTrue(Files.notExists(dir.resolve("home/store/00000000000000000000000000000000-bad")));
    }

    /** A unit derivation from `plan` is realised by `realise` alone: the Rust builtins and the toolchain are there. */
    @Test
    void realisesAPlannedUnitAndRefusesOneForAnotherToolchain() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(dev.crabstore.testkit.Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        CliRun plan = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--format", "json")
                .assertOk();
        tools.jackson.databind.JsonNode units = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(plan.out()).get("units");
        String drv = null;
        String out = null;
        for (tools.jackson.databind.JsonNode u : units) {
            if (u.get("target").asString().equals("hello")) {
                drv = u.get("drvPath").asString();
                out = u.get("outPath").asString();
            }
        }
        CliRun r = CliRun.run(new byte[0], env(), "realise", drv).assertOk();
        assertEquals(out, r.out().strip());
        Path bin;
        try (var files = Files.list(dir.resolve("home/store").resolve(out.substring(out.lastIndexOf('/') + 1)))) {
            bin = files.filter(f -> f.getFileName().toString().startsWith("hello-") && !f.toString().endsWith(".d"))
                    .findFirst().orElseThrow();
        }
        Process p = new ProcessBuilder(bin.toString(), "crab").redirectErrorStream(true).start();
        assertTrue(new String(p.getInputStream().readAllBytes()).contains("HELLO, CRAB"));

        String text = Files.readString(dir.resolve("home/store").resolve(drv.substring(drv.lastIndexOf('/') + 1)));
        Path other = Files.writeString(dir.resolve("other.drv"), text.replaceFirst(
                "\\(\"crabstoreToolchain\",\"[0-9a-z]+\"\\)", "(\"crabstoreToolchain\",\"someothertoolchain\")")
                .replace(out, out.replace("-hello-", "-hellx-")));
        CliRun refused = CliRun.run(new byte[0], env(), "realise", other.toString());
        assertEquals(1, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("was planned for Rust toolchain someothertoolchain, but this machine's is"),
                refused.stderr());
    }
}
