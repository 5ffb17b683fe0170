package dev.crabstore.store.local;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Per-path exclusive (not re-entrant) locks that hold across threads and processes, so that one builder makes a path while the
 * others wait for it (as Nix's per-output locks do). A process that dies releases its locks with its file
 * descriptors. Lock files stay behind empty until the garbage collector deletes those of invalid paths
 * ({@link #tryDelete}): it marks a file stale (one byte) before unlinking it under the lock, and whoever then gets the
 * lock of a file it opened before the unlink sees the mark and starts over on a fresh file, as Nix's PathLocks do;
 * otherwise two processes could each hold "the" lock, one on the unlinked file and one on its successor.
 */
public final class PathLocks {
    private final Path dir;
    /**
     * The holders in this JVM, by lock file, shared by every store opened on it: the JVM cannot hold two POSIX locks
     * on one file, and closing a second channel on a locked file would drop the lock of the first. An entry lives
     * while a thread holds or waits for it ({@link #retain}, {@link #unretain}), so the table does not grow by one
     * entry per path ever locked.
     */
    private static final ConcurrentHashMap<Path, Local> IN_PROCESS = new ConcurrentHashMap<>();

    /** A lock file's semaphore and how many threads hold or wait for it. */
    private static final class Local {
        final Semaphore semaphore = new Semaphore(1);
        /** Read and written only inside the table's compute functions for this key, which run one at a time. */
        int users;
    }

    public PathLocks(Path dir) {
        this.dir = dir;
    }

    /** How many lock files of this directory the in-process table has an entry for (for tests). */
    int inProcessEntries() {
        Path d = dir.toAbsolutePath().normalize();
        return (int) IN_PROCESS.keySet().stream().filter(f -> d.equals(f.getParent())).count();
    }

    private Path file(StorePath path) {
        return dir.resolve(path.hashPart() + ".lock").toAbsolutePath().normalize();
    }

    /**
     * Counts the caller in before it touches the semaphore. A new entry is made only when no thread holds or waits
     * for the old one (its count fell to 0 and it was removed), so two threads never get different semaphores for one
     * file at once.
     */
    private static Local retain(Path file) {
        return IN_PROCESS.compute(file, (f, l) -> {
            Local r = l == null ? new Local() : l;
            r.users++;
            return r;
        });
    }

    /** Counts the caller out, after it released (or never got) the semaphore; the last one out removes the entry. */
    private static void unretain(Path file) {
        IN_PROCESS.computeIfPresent(file, (f, l) -> --l.users == 0 ? null : l);
    }

    /** Releases the semaphore, then counts the caller out. */
    private static void release(Path file, Local local) {
        local.semaphore.release();
        unretain(file);
    }

    /** Blocks until this process holds the lock of {@code path}. */
    public PathLock lock(StorePath path) {
        Path file = file(path);
        Local local = retain(file);
        local.semaphore.acquireUninterruptibly();
        try {
            while (true) {
                Files.createDirectories(dir);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                try {
                    FileLock fl = FileLocks.lock(ch, false);
                    if (ch.size() == 0) {
                        return new PathLock(file, local, ch, fl);
                    }
                    unlinkIfStillThere(ch, file); // stale: deleted while we waited for it
                    ch.close();
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
        } catch (IOException e) {
            release(file, local);
            throw new StoreIOException("cannot lock " + path, e);
        } catch (RuntimeException e) {
            release(file, local);
            throw e;
        }
    }

    /** The lock of {@code path} if nobody holds it now, in this process or another; empty otherwise. */
    public java.util.Optional<PathLock> tryLock(StorePath path) {
        Path file = file(path);
        Local local = retain(file);
        if (!local.semaphore.tryAcquire()) {
            unretain(file);
            return java.util.Optional.empty();
        }
        try {
            while (true) {
                Files.createDirectories(dir);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock fl = ch.tryLock();
                if (fl == null) {
                    ch.close();
                    release(file, local);
                    return java.util.Optional.empty();
                }
                if (ch.size() == 0) {
                    return java.util.Optional.of(new PathLock(file, local, ch, fl));
                }
                unlinkIfStillThere(ch, file); // stale: deleted between our open and our lock
                ch.close();
            }
        } catch (IOException e) {
            release(file, local);
            throw new StoreIOException("cannot lock " + path, e);
        }
    }

    /**
     * Deletes the lock file {@code <hashPart>.lock} if nobody holds it, in this process or another, and says whether
     * it did. Under the lock, the file is marked stale before it is unlinked, so that a process that opened it before
     * and is waiting for it sees, once it gets the lock, that it must open the path again ({@link #lock}).
     */
    boolean tryDelete(String hashPart) {
        Path file = dir.resolve(hashPart + ".lock").toAbsolutePath().normalize();
        Local local = retain(file);
        if (!local.semaphore.tryAcquire()) {
            unretain(file);
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock fl = ch.tryLock();
            if (fl == null) {
                return false;
            }
            if (ch.size() != 0) {
                unlinkIfStillThere(ch, file); // marked already: a killed collection's
                return true;
            }
            // Size 0: nobody marked it, so nobody unlinked it; it is the file at the path.
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'d'}), 0);
            Files.delete(file);
            return true; // closing the channel releases the lock
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new StoreIOException("cannot delete the lock file " + file, e);
        } finally {
            release(file, local);
        }
    }

    /**
     * With the lock of a stale (marked) file held: if that file is still at its path, a collector killed between
     * marking and unlinking it left it there, and every locker would find it stale forever; unlink it, as that
     * collector meant to. Only the holder of a file's lock unlinks it, so the file read here is the one unlinked.
     */
    private static void unlinkIfStillThere(FileChannel ch, Path file) throws IOException {
        byte[] nonce = ("\n" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId() + "-"
                + System.nanoTime()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ch.write(java.nio.ByteBuffer.wrap(nonce), ch.size());
        byte[] there;
        try {
            there = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (there.length >= nonce.length && java.util.Arrays.equals(there, there.length - nonce.length,
                there.length, nonce, 0, nonce.length)) {
            Files.deleteIfExists(file);
        }
    }

    /** A held lock; closing releases it. */
    public static final class PathLock implements AutoCloseable {
        private final Path file;
        private final Local local;
        private final FileChannel channel;
        private final FileLock fileLock;
        /** A second close must not count its holder out twice: that could drop the entry another thread holds. */
        private final AtomicBoolean closed = new AtomicBoolean();

        PathLock(Path file, Local local, FileChannel channel, FileLock fileLock) {
            this.file = file;
            this.local = local;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                fileLock.release();
                channel.close();
            } catch (IOException e) {
                throw new StoreIOException("cannot release a path lock", e);
            } finally {
                release(file, local);
            }
        }
    }
}
