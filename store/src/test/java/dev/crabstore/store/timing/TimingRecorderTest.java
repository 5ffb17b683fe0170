package dev.crabstore.store.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimingRecorderTest {
    /** A clock that moves only when told. */
    static final class ManualClock implements InstantSource {
        Instant now = Instant.parse("2026-01-02T03:04:05Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(long millis) {
            now = now.plusMillis(millis);
        }
    }

    static final StoreDir SD = new StoreDir("/crabstore/store");

    static StorePath drv(int i) {
        return SD.parsePath("/crabstore/store/" + "0123456789abcdfghijklmnpqrsvwxy".substring(0, 31) + i + "-u" + i + ".drv");
    }

    static TimingNode node(int i, Integer... deps) {
        return new TimingNode(i, "u" + i, "1.0.0", "lib", "pkg" + i, "u" + i, SD.print(drv(i)),
                "/crabstore/store/0123456789abcdfghijklmnpqrsvwxy" + i + "-u" + i, List.of(deps));
    }

    static final Derivation D = null; // the recorder never looks at the derivation

    @Test
    void recordsEachUnitsTimesAndStatusFromTheClock() {
        ManualClock clock = new ManualClock();
        TimingRecorder rec = new TimingRecorder(clock);
        clock.advance(100);
        rec.started(drv(0), D);
        rec.cpu(0.5);
        clock.advance(400);
        rec.built(drv(0), D, "", 400);
        rec.substituting(drv(1), D);
        clock.advance(50);
        rec.substituted(drv(1), D, "http://127.0.0.1:1/cache", 1234);
        rec.fresh(drv(2), D);
        rec.started(drv(3), D);
        clock.advance(25);
        rec.failed(drv(3), D, "rustc failed");
        rec.failed(drv(4), D, "dependency x failed"); // never started
        rec.started(drv(5), D); // interrupted
        clock.advance(25);
        rec.cpu(1.0);
        List<TimingNode> nodes = List.of(node(0), node(1, 0), node(2), node(3, 0), node(4, 3), node(5), node(6),
                node(7));
        Set<Integer> valid = Set.of(6);
        TimingReport r = rec.report(nodes, n -> valid.contains(n.id()), "crabstore build", 2, false);

        assertEquals(Instant.parse("2026-01-02T03:04:05Z"), r.started());
        assertEquals(600, r.wallMillis());
        UnitTiming u0 = r.units().get(0);
        assertEquals(TimingStatus.BUILT, u0.status());
        assertEquals(OptionalLong.of(100), u0.start());
        assertEquals(OptionalLong.of(500), u0.end());
        assertEquals(TimingStatus.SUBSTITUTED, r.units().get(1).status());
        assertEquals("http://127.0.0.1:1/cache", r.units().get(1).from());
        assertEquals(50, r.units().get(1).millis());
        assertEquals(TimingStatus.FRESH, r.units().get(2).status());
        assertEquals(OptionalLong.of(550), r.units().get(2).start());
        assertEquals(0, r.units().get(2).millis());
        assertEquals(TimingStatus.FAILED, r.units().get(3).status());
        assertEquals(25, r.units().get(3).millis());
        assertEquals(TimingStatus.FAILED, r.units().get(4).status());
        assertEquals(0, r.units().get(4).millis());
        assertEquals(TimingStatus.FAILED, r.units().get(5).status(), "started and never ended");
        assertEquals(OptionalLong.of(600), r.units().get(5).end());
        assertEquals(TimingStatus.FRESH, r.units().get(6).status(), "valid, never looked at");
        assertEquals(OptionalLong.empty(), r.units().get(6).start());
        assertEquals(TimingStatus.SKIPPED, r.units().get(7).status());
        assertEquals(List.of(new CpuSample(100, 0.5), new CpuSample(600, 1.0)), r.cpu());

        TimingReport.Totals t = r.totals();
        assertEquals(new TimingReport.Totals(8, 1, 1, 2, 3, 1, 600, 400 + 50 + 25 + 25, (400 + 50 + 25 + 25) / 600.0),
                t);
        assertEquals(List.of(0, 1), r.criticalPath().ids());
        assertEquals(450, r.criticalPath().millis());
        assertEquals(List.of(0, 1, 3, 5), r.slowest(10).stream().map(u -> u.node().id()).toList());
        assertEquals(List.of(0), r.slowest(1).stream().map(u -> u.node().id()).toList());
    }

    @Test
    void aBuildAfterAFailedSubstitutionIsBuilt() {
        ManualClock clock = new ManualClock();
        TimingRecorder rec = new TimingRecorder(clock);
        rec.substituting(drv(0), D);
        clock.advance(10);
        rec.substitutionFailed(drv(0), D, "404");
        rec.started(drv(0), D);
        clock.advance(90);
        rec.built(drv(0), D, "", 90);
        UnitTiming u = rec.report(List.of(node(0)), n -> true, "c", 1, true).units().get(0);
        assertEquals(TimingStatus.BUILT, u.status());
        assertEquals(OptionalLong.of(10), u.start());
        assertEquals(90, u.millis());
    }

    /**
     * crabstore test realises the compilation units, then the test runs, whose inputs are the harnesses: a harness is
     * reported again, fresh, long after it was built or found. That second report must not stretch its bar (a fresh
     * harness showed 378 ms, a built one its build plus the whole wait until the runs started).
     */
    @Test
    void aUnitReportedAgainKeepsItsFirstTimes() {
        ManualClock clock = new ManualClock();
        TimingRecorder rec = new TimingRecorder(clock);
        rec.fresh(drv(0), D);
        rec.started(drv(1), D);
        clock.advance(100);
        rec.built(drv(1), D, "", 100);
        clock.advance(400);
        rec.fresh(drv(0), D);
        rec.fresh(drv(1), D);
        List<UnitTiming> u = rec.report(List.of(node(0), node(1)), n -> true, "c", 1, true).units();
        assertEquals(TimingStatus.FRESH, u.get(0).status());
        assertEquals(0, u.get(0).millis());
        assertEquals(TimingStatus.BUILT, u.get(1).status());
        assertEquals(100, u.get(1).millis());
    }

    @Test
    void theJsonFormHasEveryField() {
        ManualClock clock = new ManualClock();
        TimingRecorder rec = new TimingRecorder(clock);
        rec.started(drv(0), D);
        clock.advance(1000);
        rec.built(drv(0), D, "", 1000);
        rec.cpu(0.12345);
        TimingNode source = new TimingNode(1, "u1-source", "", "source", "", "", SD.print(drv(1)), "/crabstore/store/x",
                List.of());
        Map<String, Object> m = rec.report(List.of(node(0, 1), source), n -> true, "crabstore build --timings", 2, true)
                .toMap();
        assertEquals(List.of("version", "started", "command", "jobs", "success", "totals", "criticalPath", "slowest",
                "units", "cpu"), List.copyOf(m.keySet()));
        assertEquals(1, m.get("version"));
        assertEquals("2026-01-02T03:04:05Z", m.get("started"));
        assertEquals(List.of(List.of(1000L, 0.123)), m.get("cpu"));
        assertEquals(Map.of("units", List.of(0), "millis", 1000L), m.get("criticalPath"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> units = (List<Map<String, Object>>) m.get("units");
        assertEquals("built", units.get(0).get("status"));
        assertEquals("pkg0", units.get(0).get("packageId"));
        assertEquals(List.of(1), units.get(0).get("deps"));
        assertEquals(null, units.get(1).get("start"));
        assertEquals(false, units.get(1).containsKey("packageId"));
        assertEquals("fresh", units.get(1).get("status"));
    }

    @Test
    void theModelRefusesInconsistentTimes() {
        assertThrows(IllegalArgumentException.class, () -> new UnitTiming(node(0), TimingStatus.BUILT,
                OptionalLong.of(10), OptionalLong.of(5), ""));
        assertThrows(IllegalArgumentException.class, () -> new UnitTiming(node(0), TimingStatus.BUILT,
                OptionalLong.of(10), OptionalLong.empty(), ""));
        assertThrows(IllegalArgumentException.class, () -> new CpuSample(0, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new CpuSample(0, Double.NaN));
        UnitTiming misplaced = new UnitTiming(node(3), TimingStatus.FRESH, OptionalLong.empty(), OptionalLong.empty(),
                "");
        assertThrows(IllegalArgumentException.class, () -> new TimingReport(Instant.EPOCH, "c", 1, true, 0,
                List.of(misplaced), List.of()));
    }
}
