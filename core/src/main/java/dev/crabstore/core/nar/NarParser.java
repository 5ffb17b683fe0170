package dev.crabstore.core.nar;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Reads a NAR from a stream and reports it to a {@link NarVisitor}, refusing anything Nix would not have written:
 * wrong magic, unknown or misplaced tags, entry names that are empty, {@code .}, {@code ..}, contain {@code /} or NUL,
 * names out of order or repeated, non-zero padding, truncation, and bytes after the archive. Stricter than Nix 2.8,
 * whose ordering check is ineffective. File contents stream through; nothing is buffered whole.
 */
public final class NarParser {
    /** Longest tag, entry name and symlink target accepted; real ones are far shorter. */
    static final int MAX_TAG = 64;
    static final int MAX_NAME = 4096;
    static final int MAX_TARGET = 65536;
    static final int MAX_DEPTH = 4096;

    private final InputStream in;
    private final String source;
    private final byte[] lenBuf = new byte[8];
    private final byte[] skipBuf = new byte[1 << 16];
    private long offset;

    private NarParser(InputStream in, String source) {
        this.in = in;
        this.source = source;
    }

    /** Parses one whole NAR from {@code in}, which must end right after it. */
    public static void parse(InputStream in, String source, NarVisitor visitor) throws IOException {
        NarParser p = new NarParser(in, source);
        byte[] magic = p.readString(MAX_TAG, "magic");
        if (!Arrays.equals(magic, NarWriter.MAGIC)) {
            throw p.error(0, "not a NAR archive (bad magic)");
        }
        p.root(visitor);
        if (p.in.read() != -1) {
            throw p.error(p.offset, "trailing bytes after the end of the archive");
        }
    }

    /**
     * The root node and everything under it, without recursion: one frame per open directory (holding its last
     * entry name), so that nesting is bounded by {@link #MAX_DEPTH}, not by the thread's stack.
     */
    private void root(NarVisitor v) throws IOException {
        Deque<byte[][]> open = new ArrayDeque<>();
        if (nodeStart(v)) {
            open.push(new byte[1][]);
        }
        while (!open.isEmpty()) {
            byte[][] previous = open.peek();
            long at = offset;
            String tag = readTag();
            if (tag.equals(")")) {
                v.endDirectory();
                open.pop();
                if (!open.isEmpty()) { // the directory was an entry's node: close the entry
                    v.endEntry();
                    expect(")");
                }
                continue;
            }
            if (!tag.equals("entry")) {
                throw error(at, "expected 'entry' or ')', got '" + tag + "'");
            }
            expect("(");
            expect("name");
            long nameAt = offset;
            byte[] name = readString(MAX_NAME, "entry name");
            String bad = NarNames.invalidReason(name);
            if (bad != null) {
                throw error(nameAt, "invalid entry: " + bad + " ('" + printable(name) + "')");
            }
            if (previous[0] != null) {
                int c = NarNames.compare(previous[0], name);
                if (c == 0) {
                    throw error(nameAt, "duplicate entry '" + printable(name) + "'");
                }
                if (c > 0) {
                    throw error(nameAt, "entry '" + printable(name) + "' is not sorted after '"
                            + printable(previous[0]) + "'");
                }
            }
            previous[0] = name;
            expect("node");
            v.entry(name);
            if (open.size() > MAX_DEPTH) {
                throw error(offset, "directories nested deeper than " + MAX_DEPTH);
            }
            if (nodeStart(v)) {
                open.push(new byte[1][]);
            } else {
                v.endEntry();
                expect(")");
            }
        }
    }

    /** A node up to its end, or for a directory up to its first entry: then true. */
    private boolean nodeStart(NarVisitor v) throws IOException {
        expect("(");
        expect("type");
        long at = offset;
        String type = readTag();
        switch (type) {
            case "regular" -> regular(v);
            case "symlink" -> {
                expect("target");
                long targetAt = offset;
                byte[] target = readString(MAX_TARGET, "symlink target");
                if (target.length == 0) {
                    throw error(targetAt, "empty symlink target");
                }
                if (indexOf(target, (byte) 0) >= 0) {
                    throw error(targetAt, "symlink target contains NUL");
                }
                v.symlink(target);
                expect(")");
            }
            case "directory" -> {
                v.startDirectory();
                return true;
            }
            default -> throw error(at, "unknown node type '" + type + "'");
        }
        return false;
    }

    private void regular(NarVisitor v) throws IOException {
        long at = offset;
        String tag = readTag();
        boolean executable = false;
        if (tag.equals("executable")) {
            executable = true;
            long emptyAt = offset;
            if (readString(MAX_TAG, "executable marker").length != 0) {
                throw error(emptyAt, "the 'executable' marker must be followed by an empty string");
            }
            at = offset;
            tag = readTag();
        }
        if (!tag.equals("contents")) {
            throw error(at, "expected 'contents', got '" + tag + "'");
        }
        long size = readLong("contents length");
        if (size < 0) {
            throw error(offset - 8, "file size " + Long.toUnsignedString(size) + " is too large");
        }
        BoundedInput contents = new BoundedInput(size);
        v.regular(executable, size, contents);
        contents.skipRest();
        readPadding(size);
        expect(")");
    }

    private void expect(String tag) throws IOException {
        long at = offset;
        String got = readTag();
        if (!got.equals(tag)) {
            throw error(at, "expected '" + tag + "', got '" + got + "'");
        }
    }

    private String readTag() throws IOException {
        return printable(readString(MAX_TAG, "tag"));
    }

    private byte[] readString(int max, String what) throws IOException {
        long at = offset;
        long len = readLong(what + " length");
        if (len < 0 || len > max) {
            throw error(at, what + " of length " + Long.toUnsignedString(len) + " is longer than " + max + " bytes");
        }
        byte[] s = new byte[(int) len];
        readFully(s, 0, s.length, what);
        readPadding(len);
        return s;
    }

    private long readLong(String what) throws IOException {
        readFully(lenBuf, 0, 8, what);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (lenBuf[i] & 0xff);
        }
        return v;
    }

    private void readPadding(long len) throws IOException {
        int pad = (int) ((8 - len % 8) % 8);
        if (pad == 0) {
            return;
        }
        long at = offset;
        readFully(lenBuf, 0, pad, "padding");
        for (int i = 0; i < pad; i++) {
            if (lenBuf[i] != 0) {
                throw error(at, "non-zero padding");
            }
        }
    }

    private void readFully(byte[] b, int off, int len, String what) throws IOException {
        int done = 0;
        while (done < len) {
            int n = in.read(b, off + done, len - done);
            if (n < 0) {
                throw error(offset + done, "archive truncated while reading " + what);
            }
            done += n;
        }
        offset += len;
    }

    private InvalidNarException error(long at, String message) {
        return new InvalidNarException(source + ": malformed NAR at byte " + at + ": " + message);
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static String printable(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    /** The contents of one file: exactly {@code size} bytes of the underlying stream. */
    private final class BoundedInput extends InputStream {
        private long left;

        BoundedInput(long size) {
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int want = (int) Math.min(len, left);
            int n = in.read(b, off, want);
            if (n < 0) {
                throw error(offset, "archive truncated inside file contents (" + left + " bytes missing)");
            }
            left -= n;
            offset += n;
            return n;
        }

        void skipRest() throws IOException {
            while (left > 0) {
                read(skipBuf, 0, (int) Math.min(skipBuf.length, left));
            }
        }
    }
}
