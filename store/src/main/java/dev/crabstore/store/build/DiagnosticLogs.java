package dev.crabstore.store.build;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What rustc reported when a derivation was built here, kept under {@code var/log/<drv hash part's first two
 * characters>/<rest of the .drv's name>} (as Nix keeps build logs) so that a fresh unit's warnings can be shown
 * again, as cargo replays them. Only derivations that produced diagnostics have a file, so asking about a fresh unit
 * without any costs one failed open.
 */
public final class DiagnosticLogs {
    private final Path dir;

    public DiagnosticLogs(Path dir) {
        this.dir = dir;
    }

    Path file(StorePath drvPath) {
        String name = drvPath.baseName();
        return dir.resolve(name.substring(0, 2)).resolve(name.substring(2));
    }

    /** Replaces what is kept for {@code drvPath} (atomically: readers see the old or the new file). */
    public void write(StorePath drvPath, Diagnostics d) {
        Path f = file(drvPath);
        try {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), ".tmp-", "");
            try {
                Files.writeString(tmp, d.lines(), StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot keep the diagnostics of " + drvPath.baseName() + " in " + f, e);
        }
    }

    /** The kept file's text as it is, for a binary cache's {@code log/<drv>}; empty when none is kept. */
    public java.util.Optional<String> text(StorePath drvPath) {
        try {
            return java.util.Optional.of(Files.readString(file(drvPath), StandardCharsets.UTF_8));
        } catch (java.nio.file.NoSuchFileException e) {
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new StoreIOException("cannot read the kept diagnostics of " + drvPath.baseName() + " in "
                    + file(drvPath), e);
        }
    }

    /** What was kept for {@code drvPath}; none if it was built without diagnostics, elsewhere, or never here. */
    public Diagnostics read(StorePath drvPath) {
        try {
            return Diagnostics.parse(Files.readString(file(drvPath), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Diagnostics.NONE; // none kept (the usual case), or unreadable or damaged: only a replay is lost
        }
    }
}
