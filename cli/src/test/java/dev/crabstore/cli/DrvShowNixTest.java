package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.testkit.NixOracle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code crabstore drv show} on .drv files the real Nix wrote, of every output kind, equals {@code nix show-derivation}. */
class DrvShowNixTest {
    @TempDir
    Path tmp;

    @Test
    void showMatchesNixForEveryOutputKind() throws IOException {
        NixOracle nix = NixOracle.create(tmp.resolve("nix"));
        String sys = "system = \"x86_64-linux\"; builder = \"/bin/sh\"; ";
        String expr = "let\n"
                + "  fod = derivation { name = \"fod\"; " + sys + "outputHashMode = \"flat\"; outputHashAlgo = \"sha1\";"
                + " outputHash = \"0000000000000000000000000000000000000000\"; };\n"
                + "  ca = derivation { name = \"ca\"; " + sys + "__contentAddressed = true; outputHashMode = \"recursive\";"
                + " outputHashAlgo = \"sha256\"; outputs = [ \"out\" \"dev\" ]; };\n"
                + "  dep = derivation { name = \"dep\"; " + sys + "x = ca.dev; };\n"
                + "  multi = derivation { name = \"multi\"; " + sys + "outputs = [ \"out\" \"lib\" ]; f = fod;"
                + " s = builtins.toFile \"t.txt\" \"ü\\n\"; FOO = \"a\\\"b\\\\c\\nd\\te\u0001\u001f\u007f€😀\"; args = [ \"-c\" \"x\" ]; };\n"
                + "in [ dep multi ]\n";
        Path file = tmp.resolve("e.nix");
        Files.writeString(file, expr, StandardCharsets.UTF_8);
        String printed = nix.runOkText("nix-instantiate", "--extra-experimental-features", "ca-derivations",
                "--store", nix.localStore(), file.toString());
        List<String> roots = new ArrayList<>(List.of(printed.split("\n")));
        List<String> cmd = new ArrayList<>(List.of("nix", "--extra-experimental-features", "ca-derivations",
                "show-derivation", "--store", nix.localStore(), "-r"));
        cmd.addAll(roots);
        JsonMapper json = JsonMapper.builder().build();
        JsonNode nixJson = json.readTree(nix.runOkText(cmd.toArray(String[]::new)));
        List<String> drvs = new ArrayList<>();
        nixJson.propertyNames().forEach(drvs::add);
        assertEquals(4, drvs.size(), drvs.toString());
        for (String drv : drvs) {
            Path real = nix.localStoreRealDir().resolve(drv.substring(drv.lastIndexOf('/') + 1));
            StringWriter out = new StringWriter();
            var cl = CrabstoreCommand.commandLine(CliContext.system());
            cl.setOut(new PrintWriter(out));
            assertEquals(0, cl.execute("drv", "show", real.toString()));
            assertEquals(nixJson.get(drv), json.readTree(out.toString()).get(drv), drv);
            // Not only the same JSON: the same text, so the two outputs can be diffed.
            String nixText = nix.run("nix", "--extra-experimental-features", "ca-derivations", "show-derivation",
                    "--store", nix.localStore(), drv).assertOk().stdoutText();
            assertEquals(nixText, out.toString(), drv);
        }
    }
}
