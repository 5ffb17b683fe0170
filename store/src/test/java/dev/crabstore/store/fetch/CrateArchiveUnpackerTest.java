package dev.crabstore.store.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.testkit.Corpus;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrateArchiveUnpackerTest {
    @TempDir
    Path dir;

    @Test
    void unpacksFilesAndExecutableBits() throws Exception {
        byte[] crate = new CrateArchives().file("foo-1.0.0/Cargo.toml", "[package]\n", 0644)
                .file("foo-1.0.0/src/lib.rs", "", 0644).file("foo-1.0.0/run.sh", "#!/bin/sh\n", 0755).finish();
        Path out = dir.resolve("foo");
        CrateArchiveUnpacker.unpack(new ByteArrayInputStream(crate), "foo-1.0.0", out, "foo-1.0.0.crate");
        assertEquals("[package]\n", Files.readString(out.resolve("Cargo.toml")));
        assertTrue(Files.isExecutable(out.resolve("run.sh")));
        assertFalse(Files.isExecutable(out.resolve("src/lib.rs")));
    }

    @Test
    void refusesHostileEntriesAndLeavesNothing() {
        byte[][] hostile = {
            new CrateArchives().file("foo-1.0.0/ok", "", 0644).file("foo-1.0.0/../../evil", "x", 0644).finish(),
            new CrateArchives().file("/etc/evil", "x", 0644).finish(),
            new CrateArchives().file("other-2.0/x", "x", 0644).finish(),
            new CrateArchives().symlink("foo-1.0.0/link", "/etc").file("foo-1.0.0/link/passwd", "x", 0644).finish(),
        };
        for (byte[] crate : hostile) {
            Path out = dir.resolve("foo");
            assertThrows(UnsafeArchiveException.class, () -> CrateArchiveUnpacker.unpack(
                    new ByteArrayInputStream(crate), "foo-1.0.0", out, "foo-1.0.0.crate"));
            assertFalse(Files.exists(out));
            try (var s = Files.list(dir)) {
                assertEquals(0, s.count(), "no temp dir left behind");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            assertFalse(Files.exists(dir.getParent().resolve("evil")));
        }
    }

    @Test
    void refusesTruncatedArchives() {
        byte[] crate = new CrateArchives().file("foo-1.0.0/a", "x".repeat(10000), 0644).finish();
        byte[] cut = Arrays.copyOf(crate, crate.length / 2);
        Path out = dir.resolve("foo");
        assertThrows(InvalidFormatException.class, () -> CrateArchiveUnpacker.unpack(new ByteArrayInputStream(cut),
                "foo-1.0.0", out, "foo-1.0.0.crate"));
        assertFalse(Files.exists(out));
    }

    @Test
    void unpacksARealCorpusCrate() throws Exception {
        Corpus.workspace("small");
        Path crate;
        try (var s = Files.list(Corpus.corpusDir().resolve("registry"))) {
            crate = s.filter(p -> p.getFileName().toString().startsWith("memchr-")).findFirst().orElseThrow();
        }
        String top = crate.getFileName().toString().replace(".crate", "");
        Path out = dir.resolve("memchr");
        try (InputStream in = Files.newInputStream(crate)) {
            CrateArchiveUnpacker.unpack(in, top, out, crate.getFileName().toString());
        }
        assertTrue(Files.isRegularFile(out.resolve("Cargo.toml")));
        assertTrue(Files.isRegularFile(out.resolve("src/lib.rs")));
    }
}
