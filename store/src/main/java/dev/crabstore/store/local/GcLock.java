package dev.crabstore.store.local;

import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The store-wide lock between the garbage collector (exclusive, for its whole run) and everything that adds or
 * starts relying on paths (shared, briefly). Works across processes (a POSIX lock on {@code var/gc.lock}) and across
 * threads of one process (a read-write lock, since one JVM cannot hold two POSIX locks on one file).
 */
public final class GcLock {
    private final Path file;
    private final ReentrantReadWriteLock local = new ReentrantReadWriteLock();
    private FileChannel channel;
    private FileLock sharedLock;
    private int sharedHolders;

    public GcLock(Path file) {
        this.file = file;
    }

    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Holds the lock shared until closed. */
    public Held shared() {
        local.readLock().lock();
        try {
            synchronized (this) {
                if (sharedHolders++ == 0) {
                    sharedLock = FileLocks.lock(channel(), true);
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                sharedHolders--;
            }
            local.readLock().unlock();
            throw e instanceof IOException io ? new StoreIOException("cannot lock " + file, io) : (RuntimeException) e;
        }
        return () -> {
            try {
                synchronized (this) {
                    if (--sharedHolders == 0) {
                        sharedLock.release();
                        sharedLock = null;
                    }
                }
            } catch (IOException e) {
                throw new StoreIOException("cannot unlock " + file, e);
            } finally {
                local.readLock().unlock();
            }
        };
    }

    /** Holds the lock exclusively until closed; waits for every shared holder, in any process. */
    public Held exclusive() {
        local.writeLock().lock();
        try {
            FileLock l = FileLocks.lock(channel(), false);
            return () -> {
                try {
                    l.release();
                } catch (IOException e) {
                    throw new StoreIOException("cannot unlock " + file, e);
                } finally {
                    local.writeLock().unlock();
                }
            };
        } catch (IOException e) {
            local.writeLock().unlock();
            throw new StoreIOException("cannot lock " + file, e);
        }
    }

    private synchronized FileChannel channel() throws IOException {
        if (channel == null) {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        return channel;
    }

    /** Closes the lock file (releasing nothing another holder of this object still holds: call when done). */
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new StoreIOException("cannot close " + file, e);
            }
            channel = null;
        }
    }
}
