package dev.crabstore.store.timing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code --timings} shows about one build: when it started, the command, the units with their times and
 * statuses, the CPU samples, the critical path and totals. {@link #toMap()} is the JSON form (version 1) that the
 * {@code .json} report holds and the HTML page embeds.
 */
public record TimingReport(Instant started, String command, int jobs, boolean success, long wallMillis,
        List<UnitTiming> units, List<CpuSample> cpu) {
    public static final int VERSION = 1;

    public TimingReport {
        units = List.copyOf(units);
        cpu = List.copyOf(cpu);
        for (int i = 0; i < units.size(); i++) {
            if (units.get(i).node().id() != i) {
                throw new IllegalArgumentException("unit " + units.get(i).node().label() + " has id "
                        + units.get(i).node().id() + " at index " + i);
            }
        }
    }

    /** Counts by status, the wall time, the sum of the units' times and their ratio (the average parallelism). */
    public record Totals(int units, int built, int substituted, int fresh, int failed, int skipped, long wallMillis,
            long unitMillis, double parallelism) {}

    public Totals totals() {
        int[] n = new int[TimingStatus.values().length];
        long sum = 0;
        for (UnitTiming u : units) {
            n[u.status().ordinal()]++;
            sum += u.millis();
        }
        return new Totals(units.size(), n[TimingStatus.BUILT.ordinal()], n[TimingStatus.SUBSTITUTED.ordinal()],
                n[TimingStatus.FRESH.ordinal()], n[TimingStatus.FAILED.ordinal()], n[TimingStatus.SKIPPED.ordinal()],
                wallMillis, sum, wallMillis == 0 ? 0 : (double) sum / wallMillis);
    }

    public CriticalPath.Result criticalPath() {
        return CriticalPath.of(units);
    }

    /** The {@code n} units that took longest (timed ones only), longest first, ties by id. */
    public List<UnitTiming> slowest(int n) {
        return units.stream().filter(u -> u.millis() > 0)
                .sorted(Comparator.comparingLong(UnitTiming::millis).reversed()
                        .thenComparingInt(u -> u.node().id()))
                .limit(n).toList();
    }

    /** The JSON form: plain maps, lists, strings and numbers, in a fixed order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("started", started.toString());
        m.put("command", command);
        m.put("jobs", jobs);
        m.put("success", success);
        Totals t = totals();
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("units", t.units());
        totals.put("built", t.built());
        totals.put("substituted", t.substituted());
        totals.put("fresh", t.fresh());
        totals.put("failed", t.failed());
        totals.put("skipped", t.skipped());
        totals.put("wallMillis", t.wallMillis());
        totals.put("unitMillis", t.unitMillis());
        totals.put("parallelism", Math.round(t.parallelism() * 100) / 100.0);
        m.put("totals", totals);
        CriticalPath.Result cp = criticalPath();
        Map<String, Object> critical = new LinkedHashMap<>();
        critical.put("units", cp.ids());
        critical.put("millis", cp.millis());
        m.put("criticalPath", critical);
        m.put("slowest", slowest(20).stream().map(u -> u.node().id()).toList());
        List<Map<String, Object>> list = new ArrayList<>();
        for (UnitTiming u : units) {
            Map<String, Object> um = new LinkedHashMap<>();
            TimingNode node = u.node();
            um.put("id", node.id());
            um.put("name", node.name());
            um.put("version", node.version());
            um.put("kind", node.kind());
            if (!node.packageId().isEmpty()) {
                um.put("packageId", node.packageId());
                um.put("target", node.target());
            }
            um.put("status", u.status().label());
            um.put("start", u.start().isPresent() ? u.start().getAsLong() : null);
            um.put("end", u.end().isPresent() ? u.end().getAsLong() : null);
            um.put("millis", u.millis());
            um.put("drvPath", node.drvPath());
            um.put("outPath", node.outPath());
            if (!u.from().isEmpty()) {
                um.put("from", u.from());
            }
            um.put("deps", node.deps());
            list.add(um);
        }
        m.put("units", list);
        List<List<Number>> samples = new ArrayList<>();
        for (CpuSample s : cpu) {
            samples.add(List.of(s.atMillis(), Math.round(s.usage() * 1000) / 1000.0));
        }
        m.put("cpu", samples);
        return m;
    }
}
