package dev.crabstore.planner.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.diff.Difference.Kind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The root causes of two hand-made unit graphs differing, one change at a time. */
class DerivationDiffTest {
    private final HandMadeUnits units = new HandMadeUnits();

    /** util ← core ← app (app also depends on util directly, and on memchr, a registry crate). */
    private record Graph(HandMadeUnits.Unit memchr, HandMadeUnits.Unit util, HandMadeUnits.Unit core,
            HandMadeUnits.Unit app) {}

    private Graph graph(String utilContents, List<String> memchrFeatures, String memchrVersion) {
        HandMadeUnits.Unit memchr = units.registryUnit("memchr", memchrVersion);
        memchr.features.addAll(memchrFeatures);
        units.write(memchr);
        HandMadeUnits.Unit util = units.pathUnit("util", "0.1.0", utilContents);
        util.deps.add(memchr);
        units.write(util);
        HandMadeUnits.Unit core = units.pathUnit("core", "0.1.0", "core v1");
        core.deps.add(util);
        units.write(core);
        HandMadeUnits.Unit app = units.pathUnit("app", "0.1.0", "app v1");
        app.deps.addAll(List.of(util, core));
        units.write(app);
        return new Graph(memchr, util, core, app);
    }

    private Graph base() {
        return graph("util v1", List.of("std"), "2.5.0");
    }

    @Test
    void equalDerivationsHaveNoRootCause() {
        Graph a = base();
        Graph b = base();
        assertEquals(a.app().drvPath, b.app().drvPath);
        assertEquals(List.of(), units.diff(SourceTrees.NONE).rootCauses(a.app().drvPath, b.app().drvPath));
    }

    @Test
    void aLeafSourceChangeIsTheOneRootCauseWithItsFiles() {
        Graph a = base();
        Graph b = graph("util v2", List.of("std"), "2.5.0");
        SourceTrees trees = (x, y) -> {
            assertEquals(a.util().src, x);
            assertEquals(b.util().src, y);
            return Optional.of(List.of(new FileChange("src/lib.rs", FileChange.Kind.MODIFIED),
                    new FileChange("src/new.rs", FileChange.Kind.ADDED)));
        };
        List<RootCause> causes = units.diff(trees).rootCauses(a.app().drvPath, b.app().drvPath);
        assertEquals(1, causes.size(), causes.toString());
        RootCause c = causes.get(0);
        assertEquals(a.util().drvPath, c.a());
        assertEquals(b.util().drvPath, c.b());
        // app lists util among its inputs directly: the shortest way there.
        assertEquals(List.of("app-0.1.0", "util-0.1.0"), c.via());
        assertEquals(1, c.differences().size(), c.differences().toString());
        Difference d = c.differences().get(0);
        assertEquals(Kind.SOURCE, d.kind());
        assertEquals("src/lib.rs, src/new.rs (added) of util changed", d.description());
        assertEquals(List.of("modified: src/lib.rs", "added: src/new.rs"), d.details());
    }

    @Test
    void withoutTheOldTreeTheSourceStillNamesThePackage() {
        Graph a = base();
        Graph b = graph("util v2", List.of("std"), "2.5.0");
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.core().drvPath, b.core().drvPath);
        assertEquals(List.of("source of util changed"), descriptions(causes));
    }

    @Test
    void aFeatureIsNamedAndItsCfgArgsAreNotAlsoReported() {
        Graph a = base();
        Graph b = graph("util v1", List.of("std", "alloc"), "2.5.0");
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.app().drvPath, b.app().drvPath);
        assertEquals(List.of("feature \"alloc\" enabled on memchr"), descriptions(causes));
        assertEquals(b.memchr().drvPath, causes.get(0).b());
        List<RootCause> back = units.diff(SourceTrees.NONE).rootCauses(b.app().drvPath, a.app().drvPath);
        assertEquals(List.of("feature \"alloc\" disabled on memchr"), descriptions(back));
    }

    @Test
    void rustflagsChangeEveryUnitAndAreNamedOnce() {
        Graph a = base();
        units.rustflags = List.of("--cfg", "crabstore_test");
        Graph b = base();
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.app().drvPath, b.app().drvPath);
        assertEquals(4, causes.size(), causes.toString());
        for (RootCause c : causes) {
            assertEquals(List.of("RUSTFLAGS changed (\"\" → \"--cfg crabstore_test\")"),
                    c.differences().stream().map(Difference::description).toList(), c.toString());
        }
    }

    @Test
    void anotherVersionIsOneCauseNotItsSourceAndChecksum() {
        Graph a = base();
        Graph b = graph("util v1", List.of("std"), "2.5.1");
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.app().drvPath, b.app().drvPath);
        assertEquals(List.of("memchr 2.5.0 → 2.5.1"), descriptions(causes));
        assertEquals(Kind.VERSION, causes.get(0).differences().get(0).kind());
        assertEquals(List.of("app-0.1.0", "memchr-2.5.1"), causes.get(0).via());
    }

    @Test
    void aToolchainChangeIsNamedOnEachUnit() {
        Graph a = base();
        units.toolchain = "rustc 1.81.0";
        Graph b = base();
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.core().drvPath, b.core().drvPath);
        assertEquals(3, causes.size());
        assertTrue(causes.stream().allMatch(c -> c.differences().size() == 1 && c.differences().get(0).description()
                .equals("toolchain changed (rustc 1.80.0 → rustc 1.81.0)")), causes.toString());
    }

    /** {@code a}'s core unit again, its derivation changed by {@code edit} (written by hand, as no planner would). */
    private StorePath editedCore(Graph a,
            java.util.function.UnaryOperator<dev.crabstore.core.drv.Derivation.Builder> edit) {
        HandMadeUnits.Unit core2 = units.pathUnit("core", "0.1.0", "core v1");
        core2.deps.add(a.util());
        units.write(core2);
        var d = edit.apply(core2.drv.toBuilder())
                .buildInputAddressed(new dev.crabstore.core.drv.DerivationHasher(HandMadeUnits.SD, units.all::get));
        StorePath p = d.drvPath(HandMadeUnits.SD);
        units.all.put(p, d);
        return p;
    }

    /** A variable of the config's [env] changed in every unit is one cause with its values (a review: one per package). */
    @Test
    void aVariableNotOfThePackageIsOneCauseWithItsValues() {
        Graph a = base();
        StorePath p = editedCore(a, b -> b.env("GREETING_X", "two"));
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.core().drvPath, p);
        assertEquals(List.of("environment variable GREETING_X set (unset → \"two\")"), descriptions(causes));
    }

    @Test
    void anArgumentOrVariableOfItsOwnIsShownAsADiff() {
        Graph a = base();
        // The same unit with one more argument and another env value, written by hand.
        StorePath p = editedCore(a, b -> b.args(List.of("-C", "opt-level=3")).env("CARGO_PKG_VERSION", "0.1.1"));
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.core().drvPath, p);
        assertEquals(List.of("arguments of core changed", "environment variable CARGO_PKG_VERSION of core changed"),
                descriptions(causes));
        assertEquals(List.of("+ -C", "+ opt-level=3"), causes.get(0).differences().get(0).details());
        assertEquals(List.of("- CARGO_PKG_VERSION=0.1.0", "+ CARGO_PKG_VERSION=0.1.1"),
                causes.get(0).differences().get(1).details());
    }

    @Test
    void aNewDependencyIsNamedWhereItWasAddedOnly() {
        Graph a = base();
        HandMadeUnits.Unit log = units.registryUnit("log", "0.4.17");
        units.write(log);
        HandMadeUnits.Unit util = units.pathUnit("util", "0.1.0", "util v1");
        util.deps.addAll(List.of(a.memchr(), log));
        units.write(util);
        HandMadeUnits.Unit core = units.pathUnit("core", "0.1.0", "core v1");
        core.deps.add(util);
        units.write(core);
        List<RootCause> causes = units.diff(SourceTrees.NONE).rootCauses(a.core().drvPath, core.drvPath);
        assertEquals(List.of("dependency log-0.4.17 added to util"), descriptions(causes));
    }

    private static List<String> descriptions(List<RootCause> causes) {
        return causes.stream().flatMap(c -> c.differences().stream()).map(Difference::description).toList();
    }
}
