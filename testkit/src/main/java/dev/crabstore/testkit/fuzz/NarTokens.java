package dev.crabstore.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes NAR tokens with no checks at all, so that tests can make archives no writer would: bad names, huge declared
 * lengths, wrong order, links followed by entries of the same name. {@code str} is a length (u64 little-endian), the
 * bytes and zero padding to 8; everything else is the caller's business.
 */
public final class NarTokens {
    public static final String MAGIC = "nix-archive-1";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A stream that starts with the NAR magic. */
    public static NarTokens archive() {
        return new NarTokens().str(MAGIC);
    }

    public NarTokens str(String s) {
        return str(s.getBytes(StandardCharsets.UTF_8));
    }

    public NarTokens str(byte[] b) {
        len(b.length);
        out.write(b, 0, b.length);
        out.write(new byte[(8 - b.length % 8) % 8], 0, (8 - b.length % 8) % 8);
        return this;
    }

    /** A bare length word (then the caller writes as many bytes as it likes, or none). */
    public NarTokens len(long n) {
        byte[] w = Mutator.le(n);
        out.write(w, 0, 8);
        return this;
    }

    public NarTokens raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    public NarTokens tokens(String... ss) {
        for (String s : ss) {
            str(s);
        }
        return this;
    }

    /** {@code ( type regular [executable ""] contents <data> )}. */
    public NarTokens file(byte[] data, boolean executable) {
        tokens("(", "type", "regular");
        if (executable) {
            tokens("executable", "");
        }
        return str("contents").str(data).str(")");
    }

    public NarTokens symlink(String target) {
        return tokens("(", "type", "symlink", "target", target, ")");
    }

    public NarTokens openDirectory() {
        return tokens("(", "type", "directory");
    }

    /** {@code entry ( name <name> node}; the caller writes the node and then {@link #closeEntry}. */
    public NarTokens entry(byte[] name) {
        return str("entry").str("(").str("name").str(name).str("node");
    }

    public NarTokens entry(String name) {
        return entry(name.getBytes(StandardCharsets.UTF_8));
    }

    public NarTokens closeEntry() {
        return str(")");
    }

    /** Closes a directory node (or any node). */
    public NarTokens close() {
        return str(")");
    }

    /** NAR tokens, one directory level (repeated, it nests) and its closing, as a {@link Mutator} dictionary. */
    public static java.util.List<byte[]> dictionary() {
        java.util.List<byte[]> d = new java.util.ArrayList<>();
        for (String t : new String[] {"(", ")", "type", "regular", "directory", "symlink", "target", "contents",
            "executable", "entry", "name", "node", "", MAGIC}) {
            d.add(new NarTokens().str(t).bytes());
        }
        d.add(new NarTokens().openDirectory().entry("d").bytes());
        d.add(new NarTokens().closeEntry().close().bytes());
        return d;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
