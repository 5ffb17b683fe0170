package dev.crabstore.core.nar;

import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.HostileNars;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import dev.crabstore.testkit.fuzz.NarTokens;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hostile NARs: only {@link InvalidNarException} naming the source, no hang, no allocation of declared lengths. */
class NarParserFuzzTest {
    static final String SOURCE = "fuzz-input.nar";

    static final Fuzzer FUZZ = Fuzzer.forParser("nar").extension("nar").rejectsWith(InvalidNarException.class)
            .messageNames(SOURCE)
            .target(b -> NarParser.parse(new ByteArrayInputStream(b), SOURCE, new Drain())).build();

    /** Reads every file's contents through a small buffer, as a restorer would. */
    static final class Drain implements NarVisitor {
        private final byte[] buf = new byte[4096];

        @Override
        public void regular(boolean executable, long size, InputStream contents) throws IOException {
            while (contents.read(buf) >= 0) {
                // discard
            }
        }

        @Override
        public void symlink(byte[] target) {}

        @Override
        public void startDirectory() {}

        @Override
        public void entry(byte[] name) {}

        @Override
        public void endEntry() {}

        @Override
        public void endDirectory() {}
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** NARs written by {@link NarWriter}: the doc's tree, single files and links, nesting, awkward names. */
    static List<byte[]> seeds() {
        try {
            List<byte[]> out = new ArrayList<>();
            out.add(NarParserTest.treeT());
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            NarWriter w = new NarWriter(bos);
            w.regular(true, b("#!/bin/sh\n"));
            w.finish();
            out.add(bos.toByteArray());
            bos = new ByteArrayOutputStream();
            w = new NarWriter(bos);
            w.symlink(b("../target"));
            w.finish();
            out.add(bos.toByteArray());
            bos = new ByteArrayOutputStream();
            w = new NarWriter(bos);
            w.startDirectory();
            w.entry(b("-dash"));
            w.regular(false, new byte[8]);
            w.entry(b("d"));
            w.startDirectory();
            for (int i = 0; i < 3; i++) {
                w.entry(b("d" + i));
                w.startDirectory();
            }
            w.entry(b("bottom"));
            w.regular(false, b("deep"));
            for (int i = 0; i < 4; i++) {
                w.endDirectory();
            }
            w.entry(b("\u00fc"));
            w.symlink(b("/nonexistent/target"));
            w.entry(b("\uD83D\uDE00"));
            w.regular(false, new byte[13]);
            w.endDirectory();
            w.finish();
            out.add(bos.toByteArray());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InputSource generator() {
        Mutator m = new Mutator(seeds(), NarTokens.dictionary());
        return InputSource.mix(m::mutate, m::mutate, new HostileNars());
    }

    @Test
    void corpus() {
        FUZZ.corpus(generator());
    }

    @Test
    @Tag("slow")
    void random() {
        FUZZ.random(generator());
    }
}
