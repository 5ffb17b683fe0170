package dev.crabstore.planner.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** crabstore's -C metadata: what identifies a crate instance, and what does not. */
class DerivedUnitHashesTest {
    private static UnitProfile profile(String name, String opt) {
        return new UnitProfile(name, opt, "false", null, "2", null, true, true, false, true, "unwind", "none");
    }

    private static UnitGraph lib(UnitProfile p) {
        return new UnitGraph(List.of(new Unit("path+file:///w/a#0.1.0", new UnitTarget(List.of("lib"), List.of("lib"),
                "a", "/w/a/src/lib.rs", "2021", true, true, true), p, null, "build", List.of(), false, List.of())),
                List.of(0));
    }

    /** cargo test builds dependencies with profile test, which inherits dev: the same units as cargo build's. */
    @Test
    void theProfilesNameIsNotPartOfIt() {
        String dev = new DerivedUnitHashes(lib(profile("dev", "0")), "/w", "t").metadata(0);
        assertEquals(dev, new DerivedUnitHashes(lib(profile("test", "0")), "/w", "t").metadata(0));
        assertNotEquals(dev, new DerivedUnitHashes(lib(profile("test", "1")), "/w", "t").metadata(0));
    }
}
