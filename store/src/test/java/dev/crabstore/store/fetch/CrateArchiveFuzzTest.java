package dev.crabstore.store.fetch;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.fuzz.Confinement;
import dev.crabstore.testkit.fuzz.FuzzInput;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import dev.crabstore.testkit.fuzz.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile {@code .crate} archives: unpacking fails only with a typed error ({@link InvalidFormatException}, which
 * {@link UnsafeArchiveException} is, or {@link StoreIOException} when the file system refuses a name) naming the
 * archive, and writes nothing outside its target directory, which holds no link afterwards.
 */
class CrateArchiveFuzzTest {
    static final String SOURCE = "fuzz-input-1.0.0.crate";
    static final Path ROOT = tempRoot();
    static final AtomicLong N = new AtomicLong();

    static Path tempRoot() {
        return Confinement.scratchRoot("crabstore-fuzz-crate-");
    }

    /** Best effort: after a timeout, the abandoned input may still be writing here. */
    @AfterAll
    static void cleanUp() {
        try {
            Canonicaliser.deleteTree(ROOT);
        } catch (RuntimeException e) {
            System.err.println("[fuzz] could not delete " + ROOT + ": " + e.getMessage());
        }
    }

    static final Fuzzer FUZZ = Fuzzer.forParser("crate-archive").extension("crate")
            .rejectsWith(InvalidFormatException.class, StoreIOException.class).messageNames(SOURCE)
            .target(b -> {
                Path box = Files.createDirectories(ROOT.resolve("box" + N.getAndIncrement()));
                Path target = Files.createDirectory(box.resolve("work")).resolve("out");
                try {
                    CrateArchiveUnpacker.unpack(new ByteArrayInputStream(b), HostileCrates.TOP, target, SOURCE);
                    if (!Files.isDirectory(target)) {
                        throw new AssertionError("unpacked, but no target directory");
                    }
                } finally {
                    try {
                        Confinement.check(box, target, false);
                    } finally {
                        Canonicaliser.deleteTree(box);
                    }
                }
            }).build();

    /** Archives as cargo packages them, made with {@link TarBuilder}. */
    static List<byte[]> builtTars() {
        String t = HostileCrates.TOP;
        return List.of(new TarBuilder().directory(t + "/").file(t + "/Cargo.toml", "[package]\nname = \"foo\"\n", 0644)
                .file(t + "/Cargo.toml.orig", "[package]\n", 0644).directory(t + "/src/")
                .file(t + "/src/lib.rs", "pub fn f() {}\n", 0644).file(t + "/run.sh", "#!/bin/sh\n", 0755).tar(),
                new TarBuilder().file(t + "/.cargo_vcs_info.json", "{}", 0644)
                        .file(t + "/src/a/b/c.rs", "x".repeat(513), 0644).tar());
    }

    /**
     * The small crates of the offline corpus, when it is present, re-packed under {@code foo-1.0.0/} so that the
     * same top directory fits every seed.
     */
    static List<byte[]> corpusTars() {
        List<byte[]> out = new ArrayList<>();
        Path registry = Corpus.corpusDir().resolve("registry");
        if (!Files.isDirectory(registry)) {
            return out;
        }
        try (Stream<Path> s = Files.list(registry)) {
            for (Path crate : s.filter(p -> p.toString().endsWith(".crate")).sorted().toList()) {
                if (Files.size(crate) <= 2048) {
                    out.add(repack(crate));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static byte[] repack(Path crate) throws IOException {
        TarBuilder b = new TarBuilder();
        try (InputStream in = Files.newInputStream(crate);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                int slash = name.indexOf('/');
                name = HostileCrates.TOP + (slash < 0 ? "" : name.substring(slash));
                b.entry(name, e.isDirectory() ? TarBuilder.DIRECTORY : TarBuilder.FILE, tar.readAllBytes(),
                        e.getMode() & 0777, "", -1);
            }
        }
        return b.tar();
    }

    /** Mutations of the gzip bytes, mutations of the tar inside (then gzipped), and hostile archives. */
    static InputSource generator(List<byte[]> tars) {
        Mutator onTar = new Mutator(tars, Mutator.text(HostileCrates.TOP + "/", "../", "ustar\0", "00", "0000644\0",
                "\0\0\0\0\0\0\0\0"));
        Mutator onGzip = new Mutator(tars.stream().map(TarBuilder::gzip).toList(), List.of());
        HostileCrates hostile = new HostileCrates();
        return InputSource.mix(r -> {
            FuzzInput in = onTar.mutate(r);
            return new FuzzInput("tar-" + in.how(), TarBuilder.gzip(in.data()));
        }, r -> {
            FuzzInput in = onTar.mutate(r);
            return new FuzzInput("tar-" + in.how(), TarBuilder.gzip(in.data()));
        }, r -> {
            FuzzInput in = onGzip.mutate(r);
            return new FuzzInput("gz-" + in.how(), in.data());
        }, hostile);
    }

    @Test
    void corpus() {
        FUZZ.corpus(generator(builtTars()));
    }

    @Test
    @Tag("slow")
    void random() {
        List<byte[]> tars = new ArrayList<>(builtTars());
        tars.addAll(corpusTars());
        FUZZ.random(generator(tars));
    }
}
