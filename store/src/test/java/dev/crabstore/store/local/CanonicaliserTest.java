package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanonicaliserTest {
    @TempDir
    Path dir;

    @Test
    void makesTreesReadOnlyWithFixedTimes() throws Exception {
        Path root = dir.resolve("out");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/a"), "a");
        Path exe = Files.writeString(root.resolve("run"), "#!/bin/sh\n");
        Files.setAttribute(exe, "unix:mode", 04750);
        Files.setPosixFilePermissions(root.resolve("sub/a"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.createSymbolicLink(root.resolve("link"), Path.of("missing"));
        Canonicaliser.canonicalise(root);
        assertEquals(0555, (int) Files.getAttribute(exe, "unix:mode") & 07777, "setuid is cleared");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("sub/a"))));
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("sub"))));
        for (Path p : new Path[] {root, exe, root.resolve("sub"), root.resolve("link")}) {
            assertEquals(1000, Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis(), p.toString());
        }
        Canonicaliser.deleteTree(root);
        assertFalse(Files.exists(root));
    }
}
