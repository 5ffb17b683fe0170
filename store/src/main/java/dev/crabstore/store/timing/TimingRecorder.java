package dev.crabstore.store.timing;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.build.BuildListener;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Records when each derivation of a build started and ended and what became of it (a {@link BuildListener}, called
 * from worker threads), and the CPU samples given to it; {@link #report} joins them with the plan's units. Times come
 * from the injected clock, so tests are deterministic.
 */
public final class TimingRecorder implements BuildListener {
    private final InstantSource clock;
    private final Instant started;
    private final Map<String, Event> events = new ConcurrentHashMap<>();
    private final List<CpuSample> cpu = new ArrayList<>();

    private record Event(long start, long end, TimingStatus status, String from) {}

    /** Times are measured from now. */
    public TimingRecorder(InstantSource clock) {
        this.clock = clock;
        this.started = clock.instant();
    }

    public Instant started() {
        return started;
    }

    /** Milliseconds since the build started, by the clock. */
    public long now() {
        return Duration.between(started, clock.instant()).toMillis();
    }

    /** A CPU sample taken now. */
    public void cpu(double usage) {
        CpuSample s = new CpuSample(now(), usage);
        synchronized (cpu) {
            cpu.add(s);
        }
    }

    private static String key(StorePath drvPath) {
        return drvPath.baseName();
    }

    private void begin(StorePath drvPath, TimingStatus status) {
        long t = now();
        events.put(key(drvPath), new Event(t, -1, status, ""));
    }

    private void end(StorePath drvPath, TimingStatus status, String from) {
        long t = now();
        events.compute(key(drvPath), (k, e) -> new Event(e == null ? t : e.start(), t, status, from));
    }

    @Override
    public void fresh(StorePath drvPath, Derivation drv) {
        // Found again (a test run's input is its harness, which the build already reported): keep what was recorded.
        if (events.containsKey(key(drvPath)) && events.get(key(drvPath)).end() >= 0) {
            return;
        }
        end(drvPath, TimingStatus.FRESH, "");
    }

    @Override
    public void started(StorePath drvPath, Derivation drv) {
        begin(drvPath, TimingStatus.BUILT);
    }

    @Override
    public void built(StorePath drvPath, Derivation drv, String log, long millis) {
        end(drvPath, TimingStatus.BUILT, "");
    }

    @Override
    public void substituting(StorePath drvPath, Derivation drv) {
        begin(drvPath, TimingStatus.SUBSTITUTED);
    }

    @Override
    public void substituted(StorePath drvPath, Derivation drv, String from, long bytes) {
        end(drvPath, TimingStatus.SUBSTITUTED, from);
    }

    @Override
    public void failed(StorePath drvPath, Derivation drv, String message) {
        end(drvPath, TimingStatus.FAILED, "");
    }

    /**
     * The report of the build so far: every node with what was recorded for it. A node the build never reported is
     * fresh when {@code valid} says its output is valid (a dependent was already valid, so it was not looked at),
     * else skipped; a unit that started but never ended counts as failed, ending now.
     */
    public TimingReport report(List<TimingNode> nodes, Predicate<TimingNode> valid, String command, int jobs,
            boolean success) {
        long wall = now();
        List<UnitTiming> units = new ArrayList<>();
        for (TimingNode n : nodes) {
            String base = n.drvPath().substring(n.drvPath().lastIndexOf('/') + 1);
            Event e = events.get(base);
            if (e == null) {
                units.add(new UnitTiming(n, valid.test(n) ? TimingStatus.FRESH : TimingStatus.SKIPPED,
                        OptionalLong.empty(), OptionalLong.empty(), ""));
            } else if (e.end() < 0) {
                units.add(new UnitTiming(n, TimingStatus.FAILED, OptionalLong.of(e.start()),
                        OptionalLong.of(Math.max(e.start(), wall)), ""));
            } else {
                units.add(new UnitTiming(n, e.status(), OptionalLong.of(e.start()), OptionalLong.of(e.end()), e.from()));
            }
        }
        List<CpuSample> samples;
        synchronized (cpu) {
            samples = List.copyOf(cpu);
        }
        return new TimingReport(started, command, jobs, success, wall, units, samples);
    }
}
