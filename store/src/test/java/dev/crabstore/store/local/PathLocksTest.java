package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.path.StorePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathLocksTest {
    static final StorePath A = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-a");

    @TempDir
    Path dir;

    @Test
    void serialisesHoldersOfOnePath() throws Exception {
        PathLocks locks = new PathLocks(dir);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                for (int j = 0; j < 20; j++) {
                    try (PathLocks.PathLock l = locks.lock(A)) {
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.onSpinWait();
                        inside.decrementAndGet();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1, maxInside.get());
    }

    @Test
    void excludesOtherProcesses() throws Exception {
        PathLocks locks = new PathLocks(dir);
        Path lockFile = dir.resolve(A.hashPart() + ".lock");
        try (PathLocks.PathLock l = locks.lock(A)) {
            // Java file locks are POSIX record locks, the kind python's fcntl.lockf takes.
            Process p = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'w')\n"
                    + "try:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('got')\nexcept OSError: print('busy')",
                    lockFile.toString()).start();
            assertEquals("busy", new String(p.getInputStream().readAllBytes()).strip());
        }
        Process p = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'w')\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('got')", lockFile.toString()).start();
        assertEquals("got", new String(p.getInputStream().readAllBytes()).strip());
    }
}
