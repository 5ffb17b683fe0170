package dev.crabstore.store.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Blocking POSIX record locks ({@link FileChannel#lock}) that survive Linux's deadlock detection. The kernel sees
 * locks as held by processes, not threads: when process P holds lock A in one thread and waits for B in another,
 * while process Q holds B and waits for A, it fails the later request with EDEADLK ("Resource deadlock avoided"),
 * although P's first thread will let A go. Every multi-job build of a graph another build shares runs into this, so
 * the request is repeated after a short random pause, as long as it takes.
 */
final class FileLocks {
    private FileLocks() {}

    static FileLock lock(FileChannel channel, boolean shared) throws IOException {
        long pauseMillis = 5;
        while (true) {
            try {
                return channel.lock(0, Long.MAX_VALUE, shared);
            } catch (IOException e) {
                if (!isDeadlockReport(e)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(1, pauseMillis + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for a lock");
            }
            pauseMillis = Math.min(200, pauseMillis * 2);
        }
    }

    /** EDEADLK as the JDK reports it: an IOException with the C library's message for the code. */
    static boolean isDeadlockReport(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Resource deadlock avoided") || m.contains("Resource deadlock would occur")
                || m.contains("EDEADLK"));
    }
}
