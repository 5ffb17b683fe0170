package dev.crabstore.store.fetch;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.Canonicaliser;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a {@code .crate} (gzip tarball of {@code <name>-<version>/...}) the way cargo does, but refusing anything
 * that could write outside the target: absolute names, {@code ..} components, entries outside the top directory,
 * links (cargo never packages them; a link could redirect later entries), devices and fifos. Unpacks into a temp
 * sibling and renames into place only when the whole archive was read, so a failure leaves nothing behind.
 */
public final class CrateArchiveUnpacker {
    /**
     * Longest entry name and deepest nesting accepted. Real crates stay far below; without a bound, checking and
     * creating the parents of one entry 2000 directories deep takes seconds (every step resolves the whole path).
     */
    static final int MAX_NAME = 4096;
    static final int MAX_DEPTH = 128;

    private CrateArchiveUnpacker() {}

    /**
     * Unpacks the entries under {@code <topDir>/} of {@code archive} into {@code target}, which must not exist.
     *
     * @param sourceName names the archive in error messages
     */
    public static void unpack(InputStream archive, String topDir, Path target, String sourceName) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreIOException("cannot unpack " + sourceName + ": " + target + " already exists");
        }
        Path temp = target.resolveSibling(target.getFileName() + ".unpack-" + ProcessHandle.current().pid());
        Canonicaliser.deleteTree(temp);
        boolean done = false;
        try {
            Files.createDirectories(temp);
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new GzipCompressorInputStream(new BufferedInputStream(archive, 1 << 16)))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    extractEntry(tar, e, topDir, temp, sourceName);
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new InvalidFormatException("cannot unpack " + sourceName + ": not a valid gzip tarball ("
                        + e.getMessage() + ")", e);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } catch (IOException e) {
            throw new StoreIOException("cannot unpack " + sourceName + " into " + target, e);
        } finally {
            if (!done) {
                Canonicaliser.deleteTree(temp);
            }
        }
    }

    private static void extractEntry(TarArchiveInputStream tar, TarArchiveEntry e, String topDir, Path root,
            String sourceName) throws IOException {
        String name = e.getName();
        if (e.isGlobalPaxHeader() || e.isPaxHeader()) {
            return;
        }
        if (name.startsWith("/") || name.contains("\0")) {
            throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' has an absolute path");
        }
        String[] parts = name.split("/");
        if (name.length() > MAX_NAME || parts.length > MAX_DEPTH) {
            throw new UnsafeArchiveException(sourceName + ": entry '" + name.substring(0, Math.min(name.length(), 200))
                    + "...' is longer than " + MAX_NAME + " characters or nested deeper than " + MAX_DEPTH
                    + " directories");
        }
        for (String part : parts) {
            if (part.equals("..")) {
                throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' escapes with '..'");
            }
        }
        if (!parts[0].equals(topDir)) {
            throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' is outside the top directory '"
                    + topDir + "/'");
        }
        String relative = name.length() > topDir.length() + 1 ? name.substring(topDir.length() + 1) : "";
        Path dest = root.resolve(relative).normalize();
        if (!dest.startsWith(root)) {
            throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' would land outside the target");
        }
        // Parents must be real directories we made, never links.
        for (Path p = dest.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' goes through a link");
            }
        }
        if (e.isSymbolicLink() || e.isLink()) {
            throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' is a link to '" + e.getLinkName()
                    + "'; crate archives may not contain links");
        } else if (e.isDirectory()) {
            Files.createDirectories(dest);
        } else if (e.isFile()) {
            Files.createDirectories(dest.getParent());
            if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' appears twice");
            }
            Files.copy(tar, dest);
            if ((e.getMode() & 0100) != 0) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dest);
                perms.add(PosixFilePermission.OWNER_EXECUTE);
                Files.setPosixFilePermissions(dest, perms);
            }
        } else {
            throw new UnsafeArchiveException(sourceName + ": entry '" + name + "' is not a file or directory");
        }
    }
}
