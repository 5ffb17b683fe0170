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

/**
 * Per-path exclusive (not re-entrant) locks that hold across threads and processes, so that one builder makes a path while the
 * others wait for it (as Nix's per-output locks do). A process that dies releases its locks with its file
 * descriptors; lock files stay behind empty, which is harmless.
 */
public final class PathLocks {
    private final Path dir;
    /**
     * The holders in this JVM, by lock file, shared by every store opened on it: the JVM cannot hold two POSIX locks
     * on one file, and closing a second channel on a locked file would drop the lock of the first.
     */
    private static final ConcurrentHashMap<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

    public PathLocks(Path dir) {
        this.dir = dir;
    }

    private Path file(StorePath path) {
        return dir.resolve(path.hashPart() + ".lock").toAbsolutePath().normalize();
    }

    /** Blocks until this process holds the lock of {@code path}. */
    public PathLock lock(StorePath path) {
        Semaphore local = IN_PROCESS.computeIfAbsent(file(path), k -> new Semaphore(1));
        local.acquireUninterruptibly();
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(file(path), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                FileLock fl = FileLocks.lock(ch, false);
                return new PathLock(local, ch, fl);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            local.release();
            throw new StoreIOException("cannot lock " + path, e);
        } catch (RuntimeException e) {
            local.release();
            throw e;
        }
    }

    /** The lock of {@code path} if nobody holds it now, in this process or another; empty otherwise. */
    public java.util.Optional<PathLock> tryLock(StorePath path) {
        Semaphore local = IN_PROCESS.computeIfAbsent(file(path), k -> new Semaphore(1));
        if (!local.tryAcquire()) {
            return java.util.Optional.empty();
        }
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(file(path), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock fl = ch.tryLock();
            if (fl == null) {
                ch.close();
                local.release();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new PathLock(local, ch, fl));
        } catch (IOException e) {
            local.release();
            throw new StoreIOException("cannot lock " + path, e);
        }
    }

    /** A held lock; closing releases it. */
    public static final class PathLock implements AutoCloseable {
        private final Semaphore local;
        private final FileChannel channel;
        private final FileLock fileLock;

        PathLock(Semaphore local, FileChannel channel, FileLock fileLock) {
            this.local = local;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public void close() {
            try {
                fileLock.release();
                channel.close();
            } catch (IOException e) {
                throw new StoreIOException("cannot release a path lock", e);
            } finally {
                local.release();
            }
        }
    }
}
