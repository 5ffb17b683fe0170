package dev.crabstore.store.timing;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Samples a {@link CpuUsage} at a fixed interval into a {@link TimingRecorder} until closed (a daemon thread). */
public final class CpuMonitor implements AutoCloseable {
    private final ScheduledExecutorService timer;

    public CpuMonitor(CpuUsage usage, TimingRecorder recorder, Duration interval) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cpu-sampler");
            t.setDaemon(true);
            return t;
        });
        usage.sinceLast(); // the baseline
        long ms = Math.max(1, interval.toMillis());
        timer.scheduleAtFixedRate(() -> {
            OptionalDouble u = usage.sinceLast();
            if (u.isPresent()) {
                recorder.cpu(u.getAsDouble());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
