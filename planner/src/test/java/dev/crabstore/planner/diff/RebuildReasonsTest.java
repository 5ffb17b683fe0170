package dev.crabstore.planner.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StorePath;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** why-rebuild's grouping: every unit to rebuild under each of its root causes, counted exactly. */
class RebuildReasonsTest {
    private final HandMadeUnits units = new HandMadeUnits();

    private List<HandMadeUnits.Unit> plan(String utilContents, boolean withLog) {
        HandMadeUnits.Unit memchr = units.registryUnit("memchr", "2.5.0");
        units.write(memchr);
        HandMadeUnits.Unit util = units.pathUnit("util", "0.1.0", utilContents);
        util.deps.add(memchr);
        HandMadeUnits.Unit log = null;
        if (withLog) {
            log = units.registryUnit("log", "0.4.17");
            units.write(log);
            util.deps.add(log);
        }
        units.write(util);
        HandMadeUnits.Unit core = units.pathUnit("core", "0.1.0", "core v1");
        core.deps.add(util);
        units.write(core);
        HandMadeUnits.Unit other = units.pathUnit("other", "0.1.0", "other v1");
        other.deps.add(memchr);
        units.write(other);
        return withLog ? List.of(memchr, log, util, core, other) : List.of(memchr, util, core, other);
    }

    private static List<StorePath> drvs(List<HandMadeUnits.Unit> us) {
        return us.stream().map(u -> u.drvPath).toList();
    }

    @Test
    void unitsAreGroupedByRootCause() {
        List<HandMadeUnits.Unit> last = plan("util v1", false);
        List<HandMadeUnits.Unit> now = plan("util v2", true);
        // Not valid: what changed (util, core), the new log, and other, whose output was deleted.
        List<StorePath> must = List.of(now.get(1).drvPath, now.get(2).drvPath, now.get(3).drvPath,
                now.get(4).drvPath);
        SourceTrees trees = (a, b) -> Optional.of(List.of(new FileChange("src/lib.rs", FileChange.Kind.MODIFIED)));
        List<RebuildReasons.Group> groups = RebuildReasons.group(drvs(last), drvs(now), must, units.diff(trees));
        assertEquals(3, groups.size(), groups.toString()); // the new dependency is part of the change of util
        assertEquals("src/lib.rs of util changed", groups.get(0).cause());
        assertEquals("source", groups.get(0).kind());
        assertEquals(List.of(now.get(2).drvPath, now.get(3).drvPath), groups.get(0).units());
        assertEquals(RebuildReasons.NEW_UNITS, groups.get(1).cause());
        assertEquals(List.of(now.get(1).drvPath), groups.get(1).units());
        assertEquals(RebuildReasons.OUTPUT_MISSING, groups.get(2).cause());
        assertEquals(List.of(now.get(4).drvPath), groups.get(2).units());
    }

    @Test
    void unitsACacheHasAreSubstitutedAndWhatNothingNeedsIsApart() {
        List<HandMadeUnits.Unit> last = plan("util v1", false);
        List<HandMadeUnits.Unit> now = plan("util v2", false); // memchr, util, core, other
        StorePath memchr = now.get(0).drvPath;
        StorePath util = now.get(1).drvPath;
        StorePath core = now.get(2).drvPath;
        StorePath other = now.get(3).drvPath;
        SourceTrees trees = (a, b) -> Optional.of(List.of(new FileChange("src/lib.rs", FileChange.Kind.MODIFIED)));
        // Not valid: util and core (edited), memchr (deleted). The build compiles core, fetches util (a cache has
        // it), and needs memchr for neither: the units that use it are in the store or fetched.
        Set<StorePath> missing = Set.of(memchr, util, core);
        RebuildReasons.Explanation e = RebuildReasons.explain(drvs(now), missing, Set.of(core),
                Map.of(util, "http://cache.example"), Optional.of(drvs(last)), units.diff(trees));
        assertEquals(List.of(core), e.compile());
        assertEquals(1, e.causes().size(), e.causes().toString());
        assertEquals("src/lib.rs of util changed", e.causes().get(0).cause());
        assertEquals(List.of(core), e.causes().get(0).units(), "the substituted util is no cause's unit");
        assertEquals(List.of(new RebuildReasons.Substitution("http://cache.example", List.of(util))),
                e.substitutions());
        assertEquals(1, e.substituted());
        assertEquals(List.of(memchr), e.notNeeded());
        assertFalse(e.nothingToDo());
        assertFalse(e.compile().contains(other) || e.notNeeded().contains(other), "other is valid");

        // Two caches, in the order the plan meets them; no last build: the compiled units under that cause.
        e = RebuildReasons.explain(drvs(now), missing, Set.of(core), Map.of(util, "file:///b", memchr, "file:///a"),
                Optional.empty(), units.diff(trees));
        assertEquals(List.of(new RebuildReasons.Substitution("file:///a", List.of(memchr)),
                new RebuildReasons.Substitution("file:///b", List.of(util))), e.substitutions());
        assertEquals(List.of(new RebuildReasons.Group(RebuildReasons.NO_LAST_BUILD, "no-last-build", List.of(core))),
                e.causes());
        assertEquals(List.of(), e.notNeeded());

        // Everything fetched: no cause, and the diff is never consulted.
        SourceTrees unused = (a, b) -> {
            throw new AssertionError("nothing is compiled, so nothing is compared");
        };
        e = RebuildReasons.explain(drvs(now), missing, Set.of(), Map.of(core, "u", util, "u", memchr, "u"),
                Optional.of(drvs(last)), units.diff(unused));
        assertEquals(List.of(), e.causes());
        assertEquals(List.of(new RebuildReasons.Substitution("u", List.of(memchr, util, core))), e.substitutions());
        // Missing, but neither compiled nor fetched: nothing to do.
        e = RebuildReasons.explain(drvs(now), Set.of(memchr), Set.of(), Map.of(), Optional.of(drvs(last)),
                units.diff(unused));
        assertTrue(e.nothingToDo());
        assertEquals(List.of(memchr), e.notNeeded());
    }

    @Test
    void nothingToRebuildIsNoGroup() {
        List<HandMadeUnits.Unit> last = plan("util v1", false);
        assertEquals(List.of(), RebuildReasons.group(drvs(last), drvs(last), List.of(),
                units.diff(SourceTrees.NONE)));
    }
}
