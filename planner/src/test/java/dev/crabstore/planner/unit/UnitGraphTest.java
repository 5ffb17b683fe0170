package dev.crabstore.planner.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parses a unit graph cargo 1.95 wrote for the small corpus workspace, and rejects malformed ones. */
class UnitGraphTest {
    static String resource(String name) throws IOException {
        try (InputStream in = UnitGraphTest.class.getResourceAsStream("/units/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesCargosUnitGraph() throws IOException {
        UnitGraph g = UnitGraph.parse(resource("small-unit-graph.json"), "small-unit-graph.json");
        assertEquals(35, g.units().size());
        assertEquals(List.of(8), g.roots());
        Unit bin = g.unit(8);
        assertEquals("minigrep", bin.target().name());
        assertEquals(List.of("bin"), bin.target().crateTypes());
        assertEquals("build", bin.mode());
        assertEquals("dev", bin.profile().name());
        assertEquals("2", bin.profile().debuginfo());
        assertEquals("none", bin.profile().strip());
        assertEquals(List.of(1, 5, 27), bin.dependencies().stream().map(UnitDependency::index).toList());
        assertEquals("clap", bin.dependencies().get(1).externCrateName());
        Unit run = g.unit(3);
        assertTrue(run.isRunCustomBuild());
        assertTrue(g.unit(2).isBuildScriptCompile());
        assertTrue(g.unit(6).target().isProcMacro());
        assertEquals(new PackageId("registry", "https://github.com/rust-lang/crates.io-index", "anyhow", "1.0.69"),
                run.packageId());
        assertEquals(g.rootPackageIds().size(), 1);
    }

    private static String graph(String units, String roots) {
        return "{\"version\":1,\"units\":[" + units + "],\"roots\":[" + roots + "]}";
    }

    private static final String UNIT = "{\"pkg_id\":\"path+file:///w/a#0.1.0\",\"target\":{\"kind\":[\"lib\"],"
            + "\"crate_types\":[\"lib\"],\"name\":\"a\",\"src_path\":\"/w/a/src/lib.rs\",\"edition\":\"2021\"},"
            + "\"profile\":{\"name\":\"dev\",\"opt_level\":\"0\",\"lto\":\"false\",\"debuginfo\":2,"
            + "\"panic\":\"unwind\",\"strip\":{\"deferred\":\"None\"}},\"platform\":null,\"mode\":\"build\","
            + "\"features\":[],\"dependencies\":DEPS}";

    @Test
    void acceptsMinimalGraph() {
        UnitGraph g = UnitGraph.parse(graph(UNIT.replace("DEPS", "[]"), "0"), "g.json");
        assertEquals("a", g.unit(0).packageId().name());
        assertFalse(g.unit(0).isRunCustomBuild());
    }

    @Test
    void rejectsUnknownVersion() {
        var e = assertThrows(UnitGraphException.class,
                () -> UnitGraph.parse(graph(UNIT.replace("DEPS", "[]"), "0").replace("\"version\":1", "\"version\":2"),
                        "ug.json"));
        assertTrue(e.getMessage().contains("ug.json") && e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void rejectsDanglingDependencyIndex() {
        String deps = "[{\"index\":7,\"extern_crate_name\":\"b\"}]";
        var e = assertThrows(UnitGraphException.class,
                () -> UnitGraph.parse(graph(UNIT.replace("DEPS", deps), "0"), "ug.json"));
        assertTrue(e.getMessage().contains("ug.json") && e.getMessage().contains("unit 0")
                && e.getMessage().contains("index 7"), e.getMessage());
    }

    @Test
    void rejectsDanglingRoot() {
        var e = assertThrows(UnitGraphException.class,
                () -> UnitGraph.parse(graph(UNIT.replace("DEPS", "[]"), "3"), "ug.json"));
        assertTrue(e.getMessage().contains("root 3"), e.getMessage());
    }

    @Test
    void rejectsMissingField() {
        var e = assertThrows(UnitGraphException.class,
                () -> UnitGraph.parse(graph(UNIT.replace("DEPS", "[]").replace("\"mode\":\"build\",", ""), "0"),
                        "ug.json"));
        assertTrue(e.getMessage().contains("'mode'"), e.getMessage());
    }

    @Test
    void rejectsBadPackageId() {
        var e = assertThrows(UnitGraphException.class,
                () -> UnitGraph.parse(graph(UNIT.replace("DEPS", "[]").replace("path+file:///w/a#0.1.0", "nonsense"),
                        "0"), "ug.json"));
        assertTrue(e.getMessage().contains("nonsense"), e.getMessage());
    }

    @Test
    void readsDebuginfoAsNumberOrNameAndRejectsOtherShapes() {
        UnitGraph named = UnitGraph.parse(graph(UNIT.replace("DEPS", "[]").replace("\"debuginfo\":2",
                "\"debuginfo\":\"line-tables-only\""), "0"), "ug.json");
        assertEquals("line-tables-only", named.unit(0).profile().debuginfo());
        UnitGraph none = UnitGraph.parse(graph(UNIT.replace("DEPS", "[]").replace("\"debuginfo\":2",
                "\"debuginfo\":null"), "0"), "ug.json");
        assertEquals("0", none.unit(0).profile().debuginfo());
        // a CI fuzz run found an object here escaping as Jackson's untyped exception
        var e = assertThrows(UnitGraphException.class, () -> UnitGraph.parse(graph(UNIT.replace("DEPS", "[]")
                .replace("\"debuginfo\":2", "\"debuginfo\":{\"deferred\":\"None\"}"), "0"), "ug.json"));
        assertTrue(e.getMessage().contains("ug.json") && e.getMessage().contains("debuginfo is object"),
                e.getMessage());
    }

    @Test
    void rejectsInvalidJson() {
        assertThrows(UnitGraphException.class, () -> UnitGraph.parse("{\"version\":1,", "ug.json"));
        assertThrows(UnitGraphException.class, () -> UnitGraph.parse("[]", "ug.json"));
    }

    @Test
    void parsesMetadataAndRejectsUnknownMember() throws IOException {
        CargoMetadata md = CargoMetadata.parse(resource("small-metadata.json"), "md.json");
        MetadataPackage p = md.pkg(md.workspaceMembers().get(0), "t");
        assertEquals("corpus-small", p.name());
        MetadataPackage clap = md.packages().values().stream().filter(x -> x.name().equals("clap")).findFirst()
                .orElseThrow();
        assertTrue(clap.declaredFeatures().contains("derive"));
        String bad = resource("small-metadata.json").replace("\"workspace_members\":[",
                "\"workspace_members\":[\"path+file:///nowhere#x@1.0.0\",");
        var e = assertThrows(UnitGraphException.class, () -> CargoMetadata.parse(bad, "md.json"));
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
    }
}
