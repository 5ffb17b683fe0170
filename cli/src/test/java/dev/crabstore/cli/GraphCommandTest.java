package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code crabstore graph}: the example workspace's units, their store paths and status, in each format. */
class GraphCommandTest {
    @TempDir
    Path dir;

    static Document xml(String text) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void showsTheUnitsWithStatusBeforeAndAfterABuild() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path ws = dir.resolve("hello-workspace");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));

        JsonNode before = JsonMapper.builder().build().readTree(CliRun.run(new byte[0], env, "graph", "--dir",
                ws.toString(), "--offline", "--format", "json").assertOk().out());
        JsonNode units = before.get("units");
        assertEquals(5, units.size(), units.toString());
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode u : units) {
            assertEquals("missing", u.get("status").asString());
            assertTrue(u.get("outPath").asString().startsWith("/crabstore/store/"));
            byName.put(u.get("name").asString() + " " + u.get("kind").asString(), u);
        }
        JsonNode hello = byName.get("hello bin");
        JsonNode greet = byName.get("greet lib");
        assertEquals("1.0.0", hello.get("version").asString());
        assertTrue(hello.get("deps").valueStream().anyMatch(d -> d.asInt() == greet.get("id").asInt()),
                "hello depends on greet: " + hello);
        // Edges are cargo's dependencies, between units of the list (a review found ids of source derivations, and
        // greet's build-script run as hello's dependency).
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        units.forEach(u -> ids.add(u.get("id").asInt()));
        units.forEach(u -> u.get("deps").forEach(x -> assertTrue(ids.contains(x.asInt()), u.toString())));
        assertEquals(2, hello.get("deps").size(), "greet and greet-macros: " + hello);

        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        JsonNode after = JsonMapper.builder().build().readTree(CliRun.run(new byte[0], env, "graph", "--dir",
                ws.toString(), "--offline", "--format", "json").assertOk().out());
        for (JsonNode u : after.get("units")) {
            assertEquals("valid", u.get("status").asString(), u.toString());
        }

        String dot = CliRun.run(new byte[0], env, "graph", "--dir", ws.toString(), "--offline").assertOk().out();
        assertTrue(dot.startsWith("digraph units {"), dot);
        assertTrue(dot.contains("u" + hello.get("id").asInt() + " -> u" + greet.get("id").asInt() + ";"), dot);
        assertTrue(dot.contains("hello 1.0.0\\nbin · valid\\n"), dot);

        String svg = CliRun.run(new byte[0], env, "graph", "--dir", ws.toString(), "--offline", "--format", "svg")
                .assertOk().out();
        Document d = xml(svg);
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertTrue(svg.contains("hello 1.0.0"), svg);
        if (!Tools.onPath("dot")) { // our own layout: one group per unit, one curve per dependency
            int edges = 0;
            for (JsonNode u : after.get("units")) {
                assertTrue(svg.contains("<g id=\"u" + u.get("id").asInt() + "\">"), svg);
                edges += u.get("deps").size();
            }
            assertEquals(edges, d.getElementsByTagName("path").getLength());
        }

        CliRun bad = CliRun.run(new byte[0], env, "graph", "--dir", ws.toString(), "--format", "png");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.stderr().contains("--format must be dot, svg or json, not 'png'"), bad.stderr());
    }

    @Test
    void theLayeredLayoutPutsDependenciesLeftAndAvoidsCrossings() throws Exception {
        // 3 -> {1, 2}, 1 -> 0, 2 -> 0, 4 -> 2
        List<LayeredSvg.Node> nodes = List.of(node(0), node(1, 0), node(2, 0), node(3, 1, 2), node(4, 2));
        Map<Integer, Integer> layers = LayeredSvg.layers(nodes);
        assertEquals(Map.of(0, 0, 1, 1, 2, 1, 3, 2, 4, 2), layers);
        List<List<Integer>> cols = LayeredSvg.order(nodes);
        assertEquals(List.of(List.of(0), List.of(1, 2), List.of(3, 4)), cols);
        // Crossed inputs get uncrossed: 3 -> 2 and 4 -> 1 put 4 above 3.
        List<List<Integer>> swapped = LayeredSvg.order(List.of(node(1), node(2), node(3, 2), node(4, 1)));
        assertEquals(List.of(List.of(1, 2), List.of(4, 3)), swapped);
        Document d = xml(LayeredSvg.render(nodes));
        assertEquals(5, d.getElementsByTagName("rect").getLength() - 1); // and the background
        assertEquals(5, d.getElementsByTagName("path").getLength());
        assertEquals(LayeredSvg.render(nodes), LayeredSvg.render(nodes));
        assertTrue(LayeredSvg.render(List.of(new LayeredSvg.Node(0, List.of("a<b&c"), "t\"", "#fff", true, List.of())))
                .contains("a&lt;b&amp;c"));
    }

    static LayeredSvg.Node node(int id, Integer... deps) {
        return new LayeredSvg.Node(id, List.of("n" + id, "lib", "path"), "n" + id, "#ffffff", false, List.of(deps));
    }
}
