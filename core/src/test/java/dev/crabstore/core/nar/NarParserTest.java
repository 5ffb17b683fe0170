package dev.crabstore.core.nar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The writer's output for the doc's tree T, and one test per malformed-archive check of the parser. */
class NarParserTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Tree T of nix-formats.md §2: a.txt, link -> a.txt, run.sh (0755), sub/empty. */
    static byte[] treeT() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        NarWriter w = new NarWriter(bos);
        w.startDirectory();
        w.entry(b("a.txt"));
        w.regular(false, b("hello\n"));
        w.entry(b("link"));
        w.symlink(b("a.txt"));
        w.entry(b("run.sh"));
        w.regular(true, b("#!/bin/sh\necho hi\n"));
        w.entry(b("sub"));
        w.startDirectory();
        w.entry(b("empty"));
        w.regular(false, new byte[0]);
        w.endDirectory();
        w.endDirectory();
        w.finish();
        return bos.toByteArray();
    }

    @Test
    void writesTheKnownTree() throws IOException {
        byte[] nar = treeT();
        assertEquals(1072, nar.length);
        assertEquals("08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6", Hash.sha256(nar).toNix32());
    }

    @Test
    void parsesAndReWritesIdentically() throws IOException {
        byte[] nar = treeT();
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        NarWriter w = new NarWriter(again);
        NarParser.parse(new ByteArrayInputStream(nar), "t.nar", new NarVisitor() {
            @Override
            public void regular(boolean executable, long size, InputStream contents) throws IOException {
                w.regular(executable, size, contents);
            }

            @Override
            public void symlink(byte[] target) throws IOException {
                w.symlink(target);
            }

            @Override
            public void startDirectory() throws IOException {
                w.startDirectory();
            }

            @Override
            public void entry(byte[] name) throws IOException {
                w.entry(name);
            }

            @Override
            public void endEntry() {}

            @Override
            public void endDirectory() throws IOException {
                w.endDirectory();
            }
        });
        w.finish();
        assertArrayEquals(nar, again.toByteArray());
    }

    @Test
    void writerRefusesUnsortedDuplicateAndInvalidNames() throws IOException {
        NarWriter w = new NarWriter(new ByteArrayOutputStream());
        w.startDirectory();
        w.entry(b("b"));
        w.regular(false, new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> w.entry(b("a")));
        assertThrows(IllegalArgumentException.class, () -> w.entry(b("b")));
        for (String bad : new String[] {"", ".", "..", "x/y", "x\0y"}) {
            assertThrows(IllegalArgumentException.class, () -> w.entry(b(bad)), bad);
        }
        // Raw-byte order: U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80), unlike String.compareTo.
        w.entry(b("\uFFFD"));
        w.regular(false, new byte[0]);
        w.entry(b("\uD83D\uDE00"));
        w.regular(false, new byte[0]);
    }

    // --- malformed archives: each builds a NAR token by token and breaks one rule ---

    /** Token-level NAR builder that can break the rules. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw str(String s) {
            return str(b(s));
        }

        Raw str(byte[] s) {
            len(s.length);
            out.writeBytes(s);
            out.writeBytes(new byte[(8 - s.length % 8) % 8]);
            return this;
        }

        Raw len(long n) {
            for (int i = 0; i < 8; i++) {
                out.write((int) (n >>> (8 * i)));
            }
            return this;
        }

        Raw raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        Raw file(String contents) {
            return str("(").str("type").str("regular").str("contents").str(contents).str(")");
        }

        Raw entry(String name, String contents) {
            return str("entry").str("(").str("name").str(name).str("node").file(contents).str(")");
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static Raw header() {
        return new Raw().str("nix-archive-1");
    }

    static String parseError(byte[] nar) {
        InvalidNarException e = assertThrows(InvalidNarException.class,
                () -> NarParser.parse(new ByteArrayInputStream(nar), "bad.nar", NarVisitor.NONE));
        assertTrue(e.getMessage().startsWith("bad.nar: malformed NAR at byte "), e.getMessage());
        return e.getMessage();
    }

    static Raw dir() {
        return header().str("(").str("type").str("directory");
    }

    @Test
    void acceptsTheBuildingBlocks() throws IOException {
        NarParser.parse(new ByteArrayInputStream(header().file("x").bytes()), "ok.nar", NarVisitor.NONE);
        NarParser.parse(new ByteArrayInputStream(dir().entry("a", "").entry("b", "").str(")").bytes()), "ok.nar",
                NarVisitor.NONE);
    }

    @Test
    void badMagic() {
        assertTrue(parseError(new Raw().str("nix-archive-2").file("x").bytes()).contains("bad magic"));
    }

    @Test
    void unknownNodeType() {
        assertTrue(parseError(header().str("(").str("type").str("fifo").str(")").bytes()).contains("unknown node type"));
    }

    @Test
    void executableAfterContents() {
        byte[] nar = header().str("(").str("type").str("regular").str("contents").str("x").str("executable").str("")
                .str(")").bytes();
        assertTrue(parseError(nar).contains("expected ')'"));
    }

    @Test
    void executableMarkerMustBeEmpty() {
        byte[] nar = header().str("(").str("type").str("regular").str("executable").str("yes").str("contents")
                .str("x").str(")").bytes();
        assertTrue(parseError(nar).contains("empty string"));
    }

    @Test
    void unsortedEntries() {
        assertTrue(parseError(dir().entry("b", "").entry("a", "").str(")").bytes()).contains("not sorted"));
    }

    @Test
    void duplicateEntries() {
        assertTrue(parseError(dir().entry("a", "").entry("a", "").str(")").bytes()).contains("duplicate entry"));
    }

    @Test
    void invalidNames() {
        for (String bad : new String[] {"", ".", "..", "a/b", "a\0b"}) {
            assertTrue(parseError(dir().entry(bad, "").str(")").bytes()).contains("invalid entry"), bad);
        }
    }

    @Test
    void nonZeroPadding() {
        byte[] good = header().file("x").bytes();
        // "x" is followed by 7 padding bytes; the contents string starts after magic(24) + 4 tags(16 each).
        int padAt = 24 + 16 * 4 + 8 + 1;
        byte[] bad = good.clone();
        bad[padAt] = 1;
        assertTrue(parseError(bad).contains("non-zero padding"));
    }

    @Test
    void trailingBytes() {
        byte[] nar = header().file("x").raw(new byte[8]).bytes();
        assertTrue(parseError(nar).contains("trailing bytes"));
    }

    @Test
    void truncationAnywhere() throws IOException {
        byte[] nar = treeT();
        for (int cut = 0; cut < nar.length; cut += 7) {
            byte[] part = Arrays.copyOf(nar, cut);
            assertTrue(parseError(part).contains("truncated"), "cut at " + cut);
        }
    }

    @Test
    void absurdLengths() {
        byte[] nar = header().str("(").str("type").str("directory").str("entry").str("(").str("name")
                .len(1L << 40).bytes();
        assertTrue(parseError(nar).contains("longer than"));
        byte[] huge = header().str("(").str("type").str("regular").str("contents").len(-1L).bytes();
        assertTrue(parseError(huge).contains("too large"));
    }

    @Test
    void emptySymlinkTarget() {
        byte[] nar = header().str("(").str("type").str("symlink").str("target").str("").str(")").bytes();
        assertTrue(parseError(nar).contains("empty symlink target"));
    }

    @Test
    void visitorSeesTheTree() throws IOException {
        List<String> events = new ArrayList<>();
        NarParser.parse(new ByteArrayInputStream(treeT()), "t.nar", new NarVisitor() {
            @Override
            public void regular(boolean executable, long size, InputStream contents) throws IOException {
                events.add("file " + executable + " " + new String(contents.readAllBytes(), StandardCharsets.UTF_8).strip());
            }

            @Override
            public void symlink(byte[] target) {
                events.add("link " + new String(target, StandardCharsets.UTF_8));
            }

            @Override
            public void startDirectory() {
                events.add("dir");
            }

            @Override
            public void entry(byte[] name) {
                events.add("entry " + new String(name, StandardCharsets.UTF_8));
            }

            @Override
            public void endEntry() {}

            @Override
            public void endDirectory() {
                events.add("end");
            }
        });
        assertEquals(List.of("dir", "entry a.txt", "file false hello", "entry link", "link a.txt", "entry run.sh",
                "file true #!/bin/sh\necho hi", "entry sub", "dir", "entry empty", "file false ", "end", "end"), events);
    }
}
