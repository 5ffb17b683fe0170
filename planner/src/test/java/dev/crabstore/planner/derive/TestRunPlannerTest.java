package dev.crabstore.planner.derive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.TestRunPlanner.TestRun;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitDependency;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitProfile;
import dev.crabstore.planner.unit.UnitTarget;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * cargo test's units of one package {@code app} (a lib, a bin, an integration test {@code cli} that runs the bin, a
 * doctest) as derivations, and one test run per harness.
 */
class TestRunPlannerTest {
    private static final StoreDir SD = StoreDir.DEFAULT;
    private static final String ID = "path+file:///w/app#0.1.0";
    private static final UnitProfile TEST = new UnitProfile("test", "0", "false", null, "2", null, true, true, false,
            true, "unwind", "none");

    private static Unit unit(String kind, String name, String src, String mode, int... deps) {
        List<UnitDependency> d = new java.util.ArrayList<>();
        for (int i : deps) {
            d.add(new UnitDependency(i, i == 0 ? "app" : "app_bin", false, false));
        }
        List<String> types = kind.equals("lib") ? List.of("lib") : List.of("bin");
        return new Unit(ID, new UnitTarget(List.of(kind), types, name, "/w/app/" + src, "2021", true, true, true), TEST,
                null, mode, List.of(), false, d);
    }

    // 0 lib build, 1 bin build, 2 lib test, 3 bin test, 4 doctest (needs 0), 5 integration test (needs 0 and 1)
    private final UnitGraph cargoTest = new UnitGraph(List.of(
            unit("lib", "app", "src/lib.rs", "build"),
            unit("bin", "app-bin", "src/main.rs", "build", 0),
            unit("lib", "app", "src/lib.rs", "test"),
            unit("bin", "app-bin", "src/main.rs", "test", 0),
            unit("lib", "app", "src/lib.rs", "doctest", 0),
            unit("test", "cli", "tests/cli.rs", "test", 0, 1)), List.of(5, 4, 3, 2));

    private final MetadataPackage pkg = new MetadataPackage(ID, "app", "0.1.0", "/w/app/Cargo.toml", List.of(), "",
            "", "", "", "", "", "", new TreeSet<>(), null, "2021", List.of("lib", "bin", "test"));
    private final CargoMetadata metadata = new CargoMetadata(Map.of(ID, pkg), List.of(ID), "/w", "/w/target");
    private final PlanSettings settings = new PlanSettings("cargo", "/crabstore/toolchain/bin/rustc",
            "/crabstore/toolchain/bin/rustdoc", "x86_64-unknown-linux-gnu", false, List.of(), List.of(), null, 2,
            List.of("unix"), cargoTest.rootPackageIds(), Map.of("FROM_CONFIG", "yes"));
    private final StorePath source = SD.parsePath("/crabstore/store/0000000000000000000000000000000a-app-0.1.0-source");

    private final Map<String, PackageSource> sources = Map.of(ID, PackageSource.added(source));

    private UnitDerivationPlan plan(UnitGraph g) {
        return new UnitDerivationPlanner(g, metadata, settings, SD, "x86_64-linux", "toolchain-1", "/w", sources)
                .plan(Map.of());
    }

    @Test
    void doctestsAndWhatOnlyTheyNeedAreLeftOut() {
        UnitGraph g = cargoTest.withoutDoctests();
        assertEquals(5, g.units().size());
        assertTrue(g.units().stream().noneMatch(u -> u.mode().equals("doctest")));
        assertEquals(List.of(4, 3, 2), g.roots());
        assertEquals(List.of(0, 1), g.unit(4).dependencies().stream().map(UnitDependency::index).toList());
        UnitGraph onlyDoctest = new UnitGraph(cargoTest.units(), List.of(4));
        assertEquals(0, onlyDoctest.withoutDoctests().units().size(), "the lib build was there for the doctest only");
        UnitGraph none = new UnitGraph(cargoTest.units().subList(0, 4), List.of(2, 3));
        assertTrue(none.withoutDoctests() == none);
    }

    @Test
    void integrationTestsSeeThePackagesBinsAndAScratchDir() {
        UnitGraph g = cargoTest.withoutDoctests();
        UnitDerivationPlan plan = plan(g);
        Derivation cli = plan.derivations().get(4);
        String bin = cli.env().get("CARGO_BIN_EXE_app-bin");
        String binOut = SD.print(plan.outputs().get(1));
        assertTrue(bin.startsWith(binOut + "/app_bin-"), bin);
        assertEquals(bin, binOut + "/" + TestRunPlanner.executable(plan.derivations().get(1), 1));
        assertTrue(cli.inputDrvs().containsKey(plan.drvPaths().get(1)), "the bin is an input of the test");
        assertEquals("/tmp", cli.env().get("CARGO_TARGET_TMPDIR"));
        assertFalse(plan.derivations().get(2).env().containsKey("CARGO_BIN_EXE_app-bin"), "unit tests do not get it");
    }

    /** A harness loads the dylib crates it links at run time (through a library, too); proc macros it does not. */
    @Test
    void dylibDependenciesAreFoundThroughLibraries() {
        UnitTarget dylib = new UnitTarget(List.of("dylib"), List.of("dylib"), "d", "/w/d/src/lib.rs", "2021", true,
                true, true);
        UnitTarget macro = new UnitTarget(List.of("proc-macro"), List.of("proc-macro"), "m", "/w/m/src/lib.rs", "2021",
                true, true, true);
        UnitGraph g = new UnitGraph(List.of(
                new Unit(ID, dylib, TEST, null, "build", List.of(), false, List.of()),
                new Unit(ID, macro, TEST, null, "build", List.of(), false, List.of()),
                unit("lib", "app", "src/lib.rs", "build", 0),
                new Unit(ID, new UnitTarget(List.of("test"), List.of("bin"), "cli", "/w/app/tests/cli.rs", "2021", true,
                        true, true), TEST, null, "test", List.of(), false, List.of(
                                new UnitDependency(2, "app", false, false), new UnitDependency(1, "m", false, false)))),
                List.of(3));
        assertEquals(List.of(0), TestRunPlanner.dylibDependencies(g, 3));
    }

    @Test
    void oneRunPerHarnessInCargosOrderWithItsRuntimeEnvironment() {
        UnitGraph g = cargoTest.withoutDoctests();
        UnitDerivationPlan plan = plan(g);
        List<TestRun> runs = TestRunPlanner.plan(g, metadata, plan, settings, sources, List.of("--test-threads", "1"), SD);
        assertEquals(List.of(2, 3, 4), runs.stream().map(TestRun::unit).toList(), "lib, bins, then integration tests");
        for (TestRun r : runs) {
            Derivation d = r.drv();
            Derivation harness = plan.derivations().get(r.unit());
            assertEquals(TestRunPlanner.BUILDER, d.builder());
            assertEquals(List.of("--test-threads", "1"), d.args());
            assertEquals(SD.print(plan.outputs().get(r.unit())) + "/" + TestRunPlanner.executable(harness, r.unit()),
                    d.env().get(TestRunPlanner.ENV_PROGRAM));
            assertTrue(d.inputDrvs().containsKey(plan.drvPaths().get(r.unit())), "the harness is an input");
            assertEquals(1, d.inputDrvs().size(), "not what only its compilation needed (the lib it links): "
                    + d.inputDrvs().keySet());
            assertTrue(d.inputSrcs().contains(source), "and the package source, the working directory");
            assertEquals(UnitDerivationPlanner.WORKSPACE + "/app", d.env().get(UnitDerivationPlanner.ENV_CWD));
            assertEquals(harness.env().get("CARGO_MANIFEST_DIR"), d.env().get("CARGO_MANIFEST_DIR"));
            assertEquals("0.1.0", d.env().get("CARGO_PKG_VERSION"));
            assertEquals("yes", d.env().get("FROM_CONFIG"));
            assertFalse(d.env().containsKey("CARGO_CRATE_NAME"), "compile-time only");
            assertEquals("lib/rustlib/x86_64-unknown-linux-gnu/lib", d.env().get(TestRunPlanner.ENV_TARGET_LIBDIR));
            assertEquals(r.drvPath(), d.drvPath(SD));
            assertEquals(r.out(), d.outputPaths().get("out"));
        }
        List<TestRun> again = TestRunPlanner.plan(g, metadata, plan, settings, sources, List.of("--test-threads", "1"), SD);
        assertEquals(runs.get(0).drvPath(), again.get(0).drvPath(), "pure: the same inputs, the same run");
        List<TestRun> other = TestRunPlanner.plan(g, metadata, plan, settings, sources, List.of(), SD);
        assertNotEquals(runs.get(0).drvPath(), other.get(0).drvPath(), "other arguments are another run");
    }
}
