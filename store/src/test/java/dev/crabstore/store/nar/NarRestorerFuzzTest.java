package dev.crabstore.store.nar;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.testkit.TestTrees;
import dev.crabstore.testkit.fuzz.Confinement;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.HostileNars;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import dev.crabstore.testkit.fuzz.NarTokens;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile NARs restored to disk: only a typed error ({@link InvalidFormatException}, which the parser's
 * {@code InvalidNarException} is, or {@link StoreIOException} when the file system refuses) naming the source, and
 * nothing written outside the target (links inside it may point anywhere; nothing is written through them).
 */
class NarRestorerFuzzTest {
    static final String SOURCE = "fuzz-input.nar";
    static final Path ROOT = tempRoot();
    static final AtomicLong N = new AtomicLong();

    static Path tempRoot() {
        return Confinement.scratchRoot("crabstore-fuzz-nar-");
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

    static final Fuzzer FUZZ = Fuzzer.forParser("nar-restore").extension("nar")
            .rejectsWith(InvalidFormatException.class, StoreIOException.class).messageNames(SOURCE)
            .target(b -> {
                Path box = Files.createDirectories(ROOT.resolve("box" + N.getAndIncrement()));
                Path target = Files.createDirectory(box.resolve("work")).resolve("out");
                try {
                    NarRestorer.restore(new ByteArrayInputStream(b), target, SOURCE);
                    if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        throw new AssertionError("restored, but no target");
                    }
                } finally {
                    try {
                        Confinement.check(box, target, true);
                    } finally {
                        Canonicaliser.deleteTree(box);
                    }
                }
            }).build();

    static byte[] dump(Path p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarDumper.dump(p, out);
        return out.toByteArray();
    }

    static final List<byte[]> SMALL_SEEDS = smallSeeds();

    /** NARs the store's own dumper writes of small trees: files, an executable, links, nesting. */
    private static List<byte[]> smallSeeds() {
        try {
            Path t = Files.createDirectories(ROOT.resolve("seed-small"));
            Files.writeString(t.resolve("a.txt"), "hello\n");
            Path exe = Files.writeString(t.resolve("run.sh"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createSymbolicLink(t.resolve("link"), Path.of("a.txt"));
            Files.createSymbolicLink(t.resolve("abs"), Path.of("/tmp"));
            Files.createDirectories(t.resolve("sub/d"));
            Files.writeString(t.resolve("sub/d/f"), "x".repeat(9));
            Files.writeString(t.resolve("\u00fc"), "u");
            Path single = Files.writeString(ROOT.resolve("seed-file"), "just a file");
            return List.of(dump(t), dump(single), dump(t.resolve("link")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InputSource generator(List<byte[]> seeds) {
        Mutator m = new Mutator(seeds, NarTokens.dictionary());
        return InputSource.mix(m::mutate, m::mutate, new HostileNars());
    }

    @Test
    void corpus() {
        FUZZ.corpus(generator(SMALL_SEEDS));
    }

    @Test
    @Tag("slow")
    void random() {
        List<byte[]> seeds = new ArrayList<>(SMALL_SEEDS);
        seeds.add(dump(TestTrees.edgeCases(ROOT.resolve("seed-edge"))));
        FUZZ.random(generator(seeds));
    }
}
