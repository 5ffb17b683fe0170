package dev.crabstore.store.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The metadata of a store path's entries (files 0444 or 0555, directories 0555, every mtime 1 s after the epoch),
 * and the cheapest ways to give it to an entry as it is written, with the fewest system calls: a download writes
 * thousands of small files, and each metadata call on one costs as much as writing it.
 */
public final class CanonicalMetadata {
    public static final FileTime EPOCH_PLUS_ONE = FileTime.fromMillis(1000);
    public static final Set<PosixFilePermission> READ_ONLY = Set.copyOf(EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ));
    public static final Set<PosixFilePermission> READ_EXEC = Set.copyOf(EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE));
    private static final FileAttribute<Set<PosixFilePermission>> CREATE_READ_ONLY =
            PosixFilePermissions.asFileAttribute(READ_ONLY);
    private static final FileAttribute<Set<PosixFilePermission>> CREATE_READ_EXEC =
            PosixFilePermissions.asFileAttribute(READ_EXEC);
    /** Whether a file created with mode 0555 or 0444 gets exactly that (the umask clears none of those bits). */
    private static final boolean UMASK_KEEPS_MODES = (umask() & 0555) == 0;

    private CanonicalMetadata() {}

    /**
     * A new file (it must not exist) created with its final mode, 0555 or 0444, open for writing: writing a file
     * needs only an open descriptor, not write permission. Set its mtime with {@link #setMtime} once it is closed.
     */
    public static OutputStream createFile(Path p, boolean executable) throws IOException {
        OutputStream out = Channels.newOutputStream(Files.newByteChannel(p, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), executable ? CREATE_READ_EXEC : CREATE_READ_ONLY));
        if (!UMASK_KEEPS_MODES) {
            Files.setPosixFilePermissions(p, executable ? READ_EXEC : READ_ONLY);
        }
        return out;
    }

    /**
     * Sets the mtime of a regular file or directory (following links: call it only on entries known not to be
     * links) to 1 s after the epoch, leaving its atime. {@link java.io.File#setLastModified} makes two system calls
     * (stat, utimes) where the NIO attribute view makes four (open, fstat, futimens, close).
     */
    public static void setMtime(Path p) throws IOException {
        if (!p.toFile().setLastModified(EPOCH_PLUS_ONE.toMillis())) {
            throw new IOException("cannot set the modification time of " + p);
        }
    }

    /** Sets the mtime of a symbolic link itself. */
    public static void setSymlinkMtime(Path p) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(EPOCH_PLUS_ONE, null, null);
    }

    /** This process's umask, from {@code /proc/self/status} (Linux 4.7 and later); all bits set if unknown. */
    static int umask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return Integer.parseInt(line.substring("Umask:".length()).strip(), 8);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: modes are set explicitly
        }
        return 0777;
    }
}
