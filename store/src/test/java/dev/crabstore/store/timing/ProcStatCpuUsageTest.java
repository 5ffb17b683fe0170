package dev.crabstore.store.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatCpuUsageTest {
    @TempDir
    Path dir;

    @Test
    void theBusyShareBetweenTwoReadings() throws Exception {
        Path stat = dir.resolve("stat");
        // user nice system idle iowait irq softirq steal guest guest_nice
        Files.writeString(stat, "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\nintr 1\n");
        ProcStatCpuUsage u = new ProcStatCpuUsage(stat);
        assertEquals(OptionalDouble.empty(), u.sinceLast(), "the first reading is the baseline");
        // +300 busy (user 200, system 100), +100 idle: 75 % busy.
        Files.writeString(stat, "cpu  300 0 200 750 150 0 0 0 0 0\n");
        assertEquals(0.75, u.sinceLast().getAsDouble(), 1e-9);
        assertEquals(OptionalDouble.empty(), u.sinceLast(), "no time passed");
    }

    @Test
    void noProcStatMeansNoSamples() {
        ProcStatCpuUsage u = new ProcStatCpuUsage(dir.resolve("missing"));
        assertEquals(OptionalDouble.empty(), u.sinceLast());
        assertEquals(OptionalDouble.empty(), u.sinceLast());
    }

    @Test
    void theMonitorFeedsTheRecorder() throws Exception {
        TimingRecorder rec = new TimingRecorder(java.time.Clock.systemUTC());
        CpuUsage fixed = () -> OptionalDouble.of(0.25);
        try (CpuMonitor m = new CpuMonitor(fixed, rec, Duration.ofMillis(5))) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (rec.report(java.util.List.of(), n -> true, "c", 1, true).cpu().size() < 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        var cpu = rec.report(java.util.List.of(), n -> true, "c", 1, true).cpu();
        assertTrue(cpu.size() >= 3, cpu.toString());
        assertTrue(cpu.stream().allMatch(s -> s.usage() == 0.25));
    }

    @Test
    void theRealProcStatAnswersOnLinux() throws Exception {
        if (!Files.isReadable(Path.of("/proc/stat"))) {
            return;
        }
        ProcStatCpuUsage u = new ProcStatCpuUsage();
        u.sinceLast();
        Thread.sleep(50);
        OptionalDouble d = u.sinceLast();
        assertTrue(d.isEmpty() || (d.getAsDouble() >= 0 && d.getAsDouble() <= 1), d.toString());
    }
}
