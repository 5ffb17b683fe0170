package dev.crabstore.planner.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.path.StorePath;
import java.util.List;
import java.util.Optional;
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
    void nothingToRebuildIsNoGroup() {
        List<HandMadeUnits.Unit> last = plan("util v1", false);
        assertEquals(List.of(), RebuildReasons.group(drvs(last), drvs(last), List.of(),
                units.diff(SourceTrees.NONE)));
    }
}
