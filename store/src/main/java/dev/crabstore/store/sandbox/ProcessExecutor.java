package dev.crabstore.store.sandbox;

import dev.crabstore.store.StoreIOException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/** Starts a process, drains both output streams on their own threads, and kills the whole tree on timeout. */
final class ProcessExecutor {
    private ProcessExecutor() {}

    static ProcessOutcome execute(ProcessBuilder pb, java.time.Duration timeout) {
        Process p;
        try {
            p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new StoreIOException("cannot start " + pb.command().get(0), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = drain(p.getInputStream(), out);
        Thread te = drain(p.getErrorStream(), err);
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
            to.join();
            te.join();
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StoreIOException("interrupted while running " + pb.command().get(0));
        }
        return new ProcessOutcome(p.exitValue(), timedOut, out.toByteArray(), err.toByteArray());
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // the process died; what was read is kept
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
