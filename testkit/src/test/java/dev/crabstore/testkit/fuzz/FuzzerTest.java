package dev.crabstore.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness itself: each kind of failure it promises to catch is caught, and the engine is deterministic. */
class FuzzerTest {
    static final class Typed extends RuntimeException {
        Typed(String m) {
            super(m);
        }
    }

    static Fuzzer.Outcome check(FuzzTarget t) {
        return Fuzzer.forParser("self-test").rejectsWith(Typed.class).messageNames("src.txt").target(t).build()
                .check(new byte[] {1, 2, 3});
    }

    @Test
    void acceptsSuccessAndTypedRejectionsNamingTheSource() {
        assertTrue(check(b -> { }).accepted());
        Fuzzer.Outcome o = check(b -> {
            throw new Typed("src.txt: bad");
        });
        assertFalse(o.failed());
        assertFalse(o.accepted());
    }

    @Test
    void catchesUntypedExceptionsErrorsAndBadMessages() {
        assertTrue(check(b -> {
            throw new NullPointerException();
        }).failed());
        assertTrue(check(b -> {
            throw new IllegalStateException("src.txt: untyped");
        }).failed());
        assertTrue(check(FuzzerTest::recurse).failed(), "a stack overflow");
        assertTrue(check(b -> {
            throw new Typed("bad, but says not where");
        }).failed());
        assertTrue(check(b -> {
            throw new Typed(" ");
        }).failed());
    }

    static void recurse(byte[] b) {
        recurse(b);
    }

    @Test
    void catchesHangsAndAllocation() {
        System.setProperty("crabstore.fuzz.timeoutMillis", "200");
        try {
            Fuzzer.Outcome hang = check(b -> {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
            });
            assertTrue(hang.failed());
            assertTrue(hang.failure().contains("no result"), hang.failure());
        } finally {
            System.clearProperty("crabstore.fuzz.timeoutMillis");
        }
        Fuzzer.Outcome greedy = check(b -> {
            long sum = 0;
            for (int i = 0; i < 300; i++) {
                sum += new byte[1 << 20].length;
            }
            if (sum == 0) {
                throw new Typed("src.txt");
            }
        });
        assertTrue(greedy.failed());
        assertTrue(greedy.failure().contains("allocated"), greedy.failure());
    }

    @Test
    void confinementSeesWritesOutsideTheTarget(@TempDir Path dir) throws Exception {
        Path box = Files.createDirectories(dir.resolve("box"));
        Path target = Files.createDirectory(box.resolve("work")).resolve("out");
        Files.createDirectories(target.resolve("sub"));
        Confinement.check(box, target, false);
        Files.createSymbolicLink(target.resolve("link"), Path.of("/tmp"));
        assertThrows(AssertionError.class, () -> Confinement.check(box, target, false));
        Confinement.check(box, target, true);
        Files.writeString(box.resolve("work/stray"), "x");
        assertThrows(AssertionError.class, () -> Confinement.check(box, target, true));
        Files.delete(box.resolve("work/stray"));
        Files.writeString(dir.resolve(Mutator.ESCAPE_NAME), "x");
        assertThrows(AssertionError.class, () -> Confinement.check(box, target, true));
    }

    @Test
    void mutationsAreDeterministicAndVaried() {
        Mutator m = new Mutator(Mutator.text("[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"),
                Mutator.text("[[package]]\n"));
        for (int i = 0; i < 200; i++) {
            FuzzInput a = m.mutate(new Random(Fuzzer.iterationSeed(42, i)));
            FuzzInput b = m.mutate(new Random(Fuzzer.iterationSeed(42, i)));
            assertArrayEquals(a.data(), b.data());
            assertTrue(a.data().length <= m.maxLength());
        }
        assertNotEquals(new String(m.mutate(new Random(1)).data(), StandardCharsets.ISO_8859_1),
                new String(m.mutate(new Random(2)).data(), StandardCharsets.ISO_8859_1));
    }
}
