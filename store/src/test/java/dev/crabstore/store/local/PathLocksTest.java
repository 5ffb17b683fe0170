package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StorePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathLocksTest {
    static final StorePath A = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-a");
    static final StorePath B = StorePath.parseBaseName("3qlyjafkhg4qjf7m7kl6xsk8dkbyxxc2-b");

    @TempDir
    Path dir;

    @Test
    void serialisesHoldersOfOnePath() throws Exception {
        PathLocks locks = new PathLocks(dir);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        // A thread's exception would otherwise end only that thread, and the test would pass without its locks.
        java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    for (int j = 0; j < 20; j++) {
                        try (PathLocks.PathLock l = locks.lock(A)) {
                            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.onSpinWait();
                            inside.decrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), List.copyOf(failures));
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

    /**
     * Linux checks POSIX locks for deadlocks per process, not per thread: when another process holding B waits for A,
     * which one thread here holds, a second thread here asking for B gets EDEADLK ("Resource deadlock avoided"),
     * though the first thread will let A go. Several builds of one graph, each with several jobs, run into this; the
     * lock used to fail ("cannot lock ...") and the build with it. Now it waits.
     */
    @Test
    void anotherProcessWaitingForALockOfOurOtherThreadIsNoDeadlock() throws Exception {
        PathLocks locks = new PathLocks(dir);
        PathLocks.PathLock heldA = locks.lock(A);
        // The other process takes B, then waits for A.
        Process p = new ProcessBuilder("python3", "-c", "import fcntl,sys\nb=open(sys.argv[2],'w')\n"
                + "fcntl.lockf(b, fcntl.LOCK_EX); print('holding b', flush=True)\na=open(sys.argv[1],'w')\n"
                + "fcntl.lockf(a, fcntl.LOCK_EX); print('got a', flush=True)",
                dir.resolve(A.hashPart() + ".lock").toString(), dir.resolve(B.hashPart() + ".lock").toString())
                .redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            assertEquals("holding b", out.readLine());
            awaitBlockedLock(p.pid());
            java.util.concurrent.CompletableFuture<PathLocks.PathLock> b = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> locks.lock(B));
            Thread.sleep(300); // b's first attempt sees the cycle (before: it failed here)
            heldA.close();
            assertEquals("got a", out.readLine());
            b.get(30, java.util.concurrent.TimeUnit.SECONDS).close();
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * The collector deletes lock files of invalid paths (marking them, then unlinking them, under the lock). A locker
     * that opened the file before and waited for it must not keep the lock of the unlinked file, or it and the next
     * locker (who creates a fresh file) would both hold "the" lock: it sees the mark and starts over.
     */
    @Test
    void aLockerThatWaitedForADeletedLockFileStartsOverOnAFreshOne() throws Exception {
        PathLocks locks = new PathLocks(dir);
        Path lockFile = dir.resolve(A.hashPart() + ".lock");
        // The deleter, as PathLocks.tryDelete does it: lock, mark, unlink, release.
        Process deleter = new ProcessBuilder("python3", "-c", "import fcntl,os,sys\nf=open(sys.argv[1],'w')\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True)\nsys.stdin.readline()\n"
                + "f.write('d'); f.flush(); os.unlink(sys.argv[1]); print('deleted', flush=True)",
                lockFile.toString()).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    deleter.getInputStream()));
            assertEquals("held", out.readLine());
            java.util.concurrent.CompletableFuture<PathLocks.PathLock> mine = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> locks.lock(A));
            awaitBlockedLock(ProcessHandle.current().pid()); // opened the file, waiting for its lock
            deleter.getOutputStream().write('\n');
            deleter.getOutputStream().flush();
            assertEquals("deleted", out.readLine());
            try (PathLocks.PathLock held = mine.get(30, java.util.concurrent.TimeUnit.SECONDS)) {
                assertTrue(java.nio.file.Files.exists(lockFile), "the lock is held on a file at the path");
                Process other = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'w')\n"
                        + "try:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('got')\n"
                        + "except OSError: print('busy')", lockFile.toString()).start();
                assertEquals("busy", new String(other.getInputStream().readAllBytes()).strip(),
                        "a second locker must not get the lock too");
            }
        } finally {
            deleter.destroyForcibly();
        }
    }

    /** A collector killed between marking a lock file and unlinking it must not leave every locker looping on it. */
    @Test
    void aMarkedLockFileLeftAtItsPathIsReplaced() throws Exception {
        PathLocks locks = new PathLocks(dir);
        Path lockFile = dir.resolve(A.hashPart() + ".lock");
        java.nio.file.Files.writeString(lockFile, "d");
        try (PathLocks.PathLock held = java.util.concurrent.CompletableFuture.supplyAsync(() -> locks.lock(A))
                .get(30, java.util.concurrent.TimeUnit.SECONDS)) {
            assertEquals(0, java.nio.file.Files.size(lockFile), "a fresh lock file");
        }
        java.nio.file.Files.writeString(lockFile, "d");
        locks.tryLock(A).orElseThrow().close();
        assertEquals(0, java.nio.file.Files.size(lockFile));
    }

    /**
     * The in-process table used to keep a semaphore per lock file ever locked, so a long {@code serve} or a big build
     * grew it forever. An entry now lives while some thread holds or waits for its lock.
     */
    @Test
    void theInProcessTableForgetsLocksNobodyHoldsOrWaitsFor() throws Exception {
        PathLocks locks = new PathLocks(dir);
        for (int i = 0; i < 200; i++) {
            StorePath p = dev.crabstore.core.path.StoreDir.DEFAULT.makeOutputPath("out",
                    dev.crabstore.core.hash.Hash.sha256("drv " + i), "unit-" + i);
            try (PathLocks.PathLock held = locks.lock(p)) {
                assertEquals(1, locks.inProcessEntries(), "a held lock has its entry");
                assertTrue(locks.tryLock(p).isEmpty(), "held here already");
                assertFalse(locks.tryDelete(p.hashPart()), "held here already");
            }
            locks.tryLock(p).orElseThrow().close();
            assertTrue(locks.tryDelete(p.hashPart()));
            assertFalse(locks.tryDelete(p.hashPart()), "no file any more");
        }
        assertEquals(0, locks.inProcessEntries());
    }

    /**
     * Dropping entries must not break exclusion between threads: a thread that waits for the semaphore of a lock file
     * must keep its entry alive, or a newcomer would make a fresh semaphore and get in while the waiter does too (the
     * JVM then refuses the second file lock with OverlappingFileLockException). Threads hammer one path with
     * {@code lock}, {@code tryLock} and the collector's {@code tryDelete}.
     */
    @Test
    void threadsHammeringOnePathStillExcludeEachOther() throws Exception {
        PathLocks locks = new PathLocks(dir);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger entered = new AtomicInteger();
        java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(6);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int seed = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 400; i++) {
                        int op = (i + seed) % 10;
                        if (op == 0) {
                            locks.tryDelete(A.hashPart());
                            continue;
                        }
                        java.util.Optional<PathLocks.PathLock> l = op < 3 ? locks.tryLock(A)
                                : java.util.Optional.of(locks.lock(A));
                        if (l.isEmpty()) {
                            continue;
                        }
                        try (PathLocks.PathLock held = l.get()) {
                            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            entered.incrementAndGet();
                            Thread.yield(); // let the others queue up behind us
                            inside.decrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("a locker failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
        assertEquals(1, maxInside.get(), "one holder at a time");
        assertTrue(entered.get() >= 6 * 400 * 7 / 10, "every blocking lock was taken: " + entered.get());
        assertEquals(0, locks.inProcessEntries());
    }

    /**
     * Closing a lock twice used to release its semaphore twice (after failing on the released file lock), letting two
     * threads in at once; with counted entries it would also count its holder out twice. The second close does nothing.
     */
    @Test
    void closingALockTwiceReleasesItOnce() throws Exception {
        PathLocks locks = new PathLocks(dir);
        PathLocks.PathLock l = locks.lock(A);
        l.close();
        l.close();
        try (PathLocks.PathLock again = locks.lock(A)) {
            assertTrue(locks.tryLock(A).isEmpty(), "held");
            assertEquals(1, locks.inProcessEntries());
        }
        assertEquals(0, locks.inProcessEntries());
    }

    /** Waits until {@code /proc/locks} shows process {@code pid} blocked on a lock. */
    static void awaitBlockedLock(long pid) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        java.util.regex.Pattern blocked = java.util.regex.Pattern.compile("->\\s+POSIX\\s+\\S+\\s+\\S+\\s+" + pid + "\\s");
        while (System.nanoTime() < deadline) {
            if (blocked.matcher(java.nio.file.Files.readString(Path.of("/proc/locks"))).find()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("process " + pid + " never blocked on its lock:\n"
                + java.nio.file.Files.readString(Path.of("/proc/locks")));
    }
}
