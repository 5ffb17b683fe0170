package dev.crabstore.store.local;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * Paths a running process uses or has just made, which the garbage collector must keep although no root reaches
 * them yet. Each process appends to its own file in {@code var/temproots/} and holds a lock on it while it lives;
 * the collector reads the files of live processes. The file also names every path the process may be putting into
 * the store or deleting from it, so after a crash {@link StoreRecovery} knows where to look for debris; the file's
 * name (its token) also names the process's scratch directory {@code var/tmp/<token>/}.
 */
public final class TempRoots implements AutoCloseable {
    /** Tokens of the files open in this JVM: probing their locks would drop them (POSIX locks are per process). */
    private static final Set<String> OPEN_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Set<StorePath> added = new HashSet<>();

    private TempRoots(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        OPEN_HERE.add(token());
    }

    /** The name of this process's file, unique among live and dead processes of the store. */
    public String token() {
        return file.getFileName().toString();
    }

    /** Whether {@code token} is that of a file open in this JVM (so a live one). */
    static boolean openHere(String token) {
        return OPEN_HERE.contains(token);
    }

    static Path dir(StoreHome home) {
        return home.root().resolve("var/temproots");
    }

    public static TempRoots open(StoreHome home) {
        try {
            Path d = Files.createDirectories(dir(home));
            String name;
            Path hidden;
            FileChannel ch;
            while (true) {
                // Threads of one process may read the same nanoTime (serve opens one file per request).
                name = ProcessHandle.current().pid() + "-" + System.nanoTime();
                // Created under a hidden name and renamed once locked, so the collector never sees it unlocked.
                hidden = d.resolve("." + name);
                try {
                    ch = FileChannel.open(hidden, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    break;
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // try the next name
                }
            }
            FileLock lock = ch.lock();
            Path f = d.resolve(name);
            Files.move(hidden, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new TempRoots(f, ch, lock);
        } catch (IOException e) {
            throw new StoreIOException("cannot create a temporary roots file", e);
        }
    }

    /** Records {@code p}; call before relying on it (and before registering it). */
    public synchronized void add(StorePath p) {
        if (added.add(p)) {
            try {
                // No fsync: the collector reads the file while this process lives; after a crash it is void anyway.
                channel.write(java.nio.ByteBuffer.wrap((p.baseName() + "\n").getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                throw new StoreIOException("cannot record a temporary root", e);
            }
        }
    }

    /** Records many paths with one write. */
    public synchronized void addAll(java.util.Collection<StorePath> paths) {
        StringBuilder sb = new StringBuilder();
        for (StorePath p : paths) {
            if (added.add(p)) {
                sb.append(p.baseName()).append('\n');
            }
        }
        if (sb.length() > 0) {
            try {
                channel.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                throw new StoreIOException("cannot record temporary roots", e);
            }
        }
    }

    /**
     * The temporary roots of every live process. Files of dead processes are left to {@link StoreRecovery}, which
     * needs them to find their debris.
     */
    static Set<StorePath> readAll(StoreHome home) {
        Set<StorePath> out = new HashSet<>();
        Path d = dir(home);
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path f : ds) {
                String name = f.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (!openHere(name)) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        FileLock probe = ch.tryLock();
                        if (probe != null) {
                            // Nobody holds it: its process is gone.
                            probe.release();
                            continue;
                        }
                    } catch (java.nio.file.NoSuchFileException e) {
                        continue; // its process just finished
                    }
                }
                try {
                    out.addAll(paths(f));
                } catch (java.nio.file.NoSuchFileException e) {
                    // finished meanwhile
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot read temporary roots in " + d, e);
        }
        return out;
    }

    /** The paths listed in a temporary roots file (a last line cut short by a crash is ignored). */
    static Set<StorePath> paths(Path f) throws IOException {
        Set<StorePath> out = new HashSet<>();
        String text = Files.readString(f, StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        for (String line : text.substring(0, end + 1).split("\n")) {
            if (!line.isBlank()) {
                out.add(StorePath.parseBaseName(line.strip()));
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            OPEN_HERE.remove(token());
            // Deleted while locked, so that nobody takes it for the file of a dead process.
            Files.deleteIfExists(file);
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new StoreIOException("cannot remove " + file, e);
        }
    }
}
