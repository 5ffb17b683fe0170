package dev.crabstore.store.timing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/** CPU use from Linux's {@code /proc/stat}: the busy share of the jiffies of all cores between two calls. */
public final class ProcStatCpuUsage implements CpuUsage {
    private final Path stat;
    private long lastTotal = -1;
    private long lastIdle;

    public ProcStatCpuUsage() {
        this(Path.of("/proc/stat"));
    }

    public ProcStatCpuUsage(Path stat) {
        this.stat = stat;
    }

    @Override
    public synchronized OptionalDouble sinceLast() {
        long[] now;
        try {
            now = parse(Files.readString(stat, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty(); // not Linux, or an unreadable /proc: no CPU chart
        }
        if (now == null) {
            return OptionalDouble.empty();
        }
        long total = now[0];
        long idle = now[1];
        OptionalDouble r = OptionalDouble.empty();
        if (lastTotal >= 0 && total > lastTotal) {
            double busy = 1.0 - (double) (idle - lastIdle) / (total - lastTotal);
            r = OptionalDouble.of(Math.max(0, Math.min(1, busy)));
        }
        lastTotal = total;
        lastIdle = idle;
        return r;
    }

    /**
     * {total, idle} jiffies from the aggregate {@code cpu} line ({@code user nice system idle iowait irq softirq
     * steal ...}; guest time is already in user), or null when there is none.
     */
    static long[] parse(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
                return new long[] {total, idle};
            }
        }
        return null;
    }
}
