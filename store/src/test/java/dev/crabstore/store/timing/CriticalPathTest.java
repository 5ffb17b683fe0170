package dev.crabstore.store.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CriticalPathTest {
    static UnitTiming unit(int id, long start, long end, Integer... deps) {
        return new UnitTiming(new TimingNode(id, "u" + id, "1.0.0", "lib", "pkg" + id, "u" + id,
                "/crabstore/store/x-u" + id + ".drv", "/crabstore/store/y-u" + id, List.of(deps)),
                TimingStatus.BUILT, OptionalLong.of(start), OptionalLong.of(end), "");
    }

    static UnitTiming untimed(int id, Integer... deps) {
        return new UnitTiming(new TimingNode(id, "u" + id, "1.0.0", "lib", "pkg" + id, "u" + id,
                "/crabstore/store/x-u" + id + ".drv", "/crabstore/store/y-u" + id, List.of(deps)),
                TimingStatus.FRESH, OptionalLong.empty(), OptionalLong.empty(), "");
    }

    @Test
    void aChainIsItsOwnCriticalPath() {
        CriticalPath.Result r = CriticalPath.of(List.of(unit(0, 0, 10), unit(1, 10, 30, 0), unit(2, 30, 35, 1)));
        assertEquals(List.of(0, 1, 2), r.ids());
        assertEquals(35, r.millis());
    }

    @Test
    void theLongerBranchOfADiamondWins() {
        // 0 -> {1 (50 ms), 2 (20 ms)} -> 3
        CriticalPath.Result r = CriticalPath.of(List.of(unit(0, 0, 10), unit(1, 10, 60, 0), unit(2, 10, 30, 0),
                unit(3, 60, 65, 1, 2)));
        assertEquals(List.of(0, 1, 3), r.ids());
        assertEquals(65, r.millis());
    }

    @Test
    void durationsNotEndTimesDecide() {
        // 1 ends last (it waited), but the chain 0 -> 2 took longer to run.
        CriticalPath.Result r = CriticalPath.of(List.of(unit(0, 0, 40), unit(1, 90, 100), unit(2, 40, 80, 0)));
        assertEquals(List.of(0, 2), r.ids());
        assertEquals(80, r.millis());
    }

    @Test
    void tiesGoToTheLowerIdAndUntimedUnitsCountZero() {
        CriticalPath.Result r = CriticalPath.of(List.of(untimed(0), unit(1, 0, 10, 0), unit(2, 0, 10, 0),
                unit(3, 10, 20, 2, 1)));
        assertEquals(List.of(1, 3), r.ids());
        assertEquals(20, r.millis());
    }

    @Test
    void nothingTimedIsAnEmptyPath() {
        CriticalPath.Result r = CriticalPath.of(List.of(untimed(0), untimed(1, 0)));
        assertEquals(List.of(), r.ids());
        assertEquals(0, r.millis());
        assertEquals(List.of(), CriticalPath.of(List.of()).ids());
    }

    @Test
    void dependenciesOutsideTheUnitsAreIgnored() {
        assertEquals(List.of(0), CriticalPath.of(List.of(unit(0, 0, 5, 7))).ids());
    }

    @Test
    void aCycleIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CriticalPath.of(List.of(unit(0, 0, 5, 1), unit(1, 5, 9, 0))));
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    void aDeepChainDoesNotOverflowTheStack() {
        List<UnitTiming> units = new ArrayList<>();
        units.add(unit(0, 0, 1));
        for (int i = 1; i < 100_000; i++) {
            units.add(unit(i, i, i + 1, i - 1));
        }
        java.util.Collections.reverse(units);
        CriticalPath.Result r = CriticalPath.of(units);
        assertEquals(100_000, r.ids().size());
        assertEquals(0, r.ids().get(0));
        assertEquals(100_000, r.millis());
    }
}
