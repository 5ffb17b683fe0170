package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A workspace whose registry crates are vendored ({@code [source] directory = "vendor"}, as cargo vendor writes). */
class VendoredSourcesTest {
    static final String CHECKSUM = ItoaApp.CHECKSUM;
    @TempDir
    Path dir;
    Path ws;

    @BeforeEach
    void vendor() throws Exception {
        ws = dir.resolve("app");
        Path crate = Corpus.corpusDir().resolve("registry/itoa-1.0.1.crate");
        Path target = Files.createDirectories(ws.resolve("vendor/itoa"));
        try (InputStream in = Files.newInputStream(crate);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = e.getName().substring("itoa-1.0.1/".length());
                if (e.isFile()) {
                    Path f = target.resolve(name);
                    Files.createDirectories(f.getParent());
                    Files.copy(tar, f);
                }
            }
        }
        Files.writeString(target.resolve(".cargo-checksum.json"), "{\"files\":{},\"package\":\"" + CHECKSUM + "\"}");
        ItoaApp.write(ws, """
                [source.crates-io]
                replace-with = "vendored-sources"

                [source.vendored-sources]
                directory = "vendor"
                """, CHECKSUM, 4242);
    }

    CliRun build() {
        return CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir", ws.toString(),
                "--offline", "--locked");
    }

    @Test
    void buildsFromTheVendoredDirectory() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        CliRun r = build().assertOk();
        assertTrue(r.stderr().contains("Compiling itoa v1.0.1"), r.stderr());
        Process p = new ProcessBuilder(ws.resolve("target/debug/app").toString()).start();
        assertEquals("4242\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** An edited vendored file is refused, as cargo refuses it (a review found it built). */
    @Test
    void anEditedVendoredFileIsRefused() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path lib = ws.resolve("vendor/itoa/src/lib.rs");
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(lib)));
        Files.writeString(ws.resolve("vendor/itoa/.cargo-checksum.json"), "{\"files\":{\"src/lib.rs\":\"" + sha
                + "\"},\"package\":\"" + CHECKSUM + "\"}");
        build().assertOk();
        Files.writeString(lib, Files.readString(lib) + "\n// edited\n");
        CliRun r = build();
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("the listed checksum of " + lib + " has changed"), r.stderr());
        assertTrue(r.stderr().contains("use [patch] instead"), r.stderr());
    }

    /**
     * cargo refuses a vendored package whose checksum changed when it plans; when the cached plan is reused (the
     * vendor directory is not part of its key), crabstore's own check refuses it.
     */
    @Test
    void aVendoredPackageWithAnotherChecksumIsRefused() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Files.move(ws.resolve("vendor/itoa"), ws.resolve("vendor/itoa-1.0.1"));
        build().assertOk();
        Path sums = ws.resolve("vendor/itoa-1.0.1/.cargo-checksum.json");
        Files.writeString(sums, "{\"files\":{},\"package\":\"" + CHECKSUM.replace('a', 'b') + "\"}");
        CliRun r = build();
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(ws.resolve("vendor/itoa-1.0.1/.cargo-checksum.json") + ": package checksum"),
                r.stderr());
    }
}
