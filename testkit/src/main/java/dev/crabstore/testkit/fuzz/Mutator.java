package dev.crabstore.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small deterministic mutation engine: from seed inputs (real files, or what the code's own writers produce) it
 * makes hostile variants, the same ones for the same {@link Random}. Each {@link #mutate} applies one to three
 * operations and names them, so a corpus file says how it was made:
 *
 * <ul>
 *   <li>bytes: bit flips, interesting bytes (NUL, 0xff, quotes, brackets, separators), 64-bit words overwritten
 *       with huge or negative values at 8-aligned offsets (NAR lengths), invalid UTF-8, NULs, odd whitespace;
 *   <li>structure: truncation at every length class (0, 1, word boundaries, half, one short), deleted, duplicated
 *       and swapped lines, deleted and duplicated fields, ranges duplicated or repeated, splices of two seeds;
 *   <li>values: numbers replaced by boundary values (0, -1, 2^31, 2^63, 1e400, 300 digits), path traversal and
 *       absolute names ({@code ../}, {@code /tmp/...}; see {@link #ESCAPE_NAME}), deep nesting of brackets and of
 *       the format's own openers, and the format's keywords (the dictionary).
 * </ul>
 *
 * Outputs are capped at {@link #maxLength()} bytes.
 */
public final class Mutator {
    /** The file name every traversal or absolute path the engine inserts ends with; tests check it never appears. */
    public static final String ESCAPE_NAME = "crabstore-fuzz-escape";

    /** Strings that a path-taking parser must never follow out of its target. */
    public static final List<String> PATHS = List.of("../", "..", "../../../../../../../../" + ESCAPE_NAME,
            "/tmp/" + ESCAPE_NAME, "/", "./", "a/../../" + ESCAPE_NAME, "//", "..\\..\\" + ESCAPE_NAME, "~/" + ESCAPE_NAME,
            "foo/../../" + ESCAPE_NAME, "/proc/self/cwd/../" + ESCAPE_NAME, "\u0000", ".", "...", "%2e%2e%2f");

    /** Decimal values at the edges of int, long and double, and numbers too long for any of them. */
    public static final List<String> NUMBERS = List.of("0", "-0", "-1", "1", "127", "128", "255", "256", "4096",
            "65536", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "18446744073709551615", "18446744073709551616", "1e400", "-1e400", "1.5", "0x10", "1_000", "+1", "00",
            "NaN", "inf", "-inf", "9".repeat(300), "0." + "0".repeat(200) + "1", "1e-400", "4611686018427387904");

    /** Little-endian 64-bit values for binary lengths: 2^62, 2^63-1, 2^63, -1, 2^32, ... */
    public static final long[] WORDS = {0, 1, 7, 8, 9, 64, 65, 4096, 4097, 65536, 65537, 1L << 31, (1L << 32) - 1,
        1L << 32, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, -1, -8};

    private static final byte[] INTERESTING = {0, (byte) 0xff, (byte) 0x7f, (byte) 0x80, (byte) 0xfe, '"', '\'', '\\',
        '\n', '\r', '\t', ' ', '(', ')', '[', ']', '{', '}', ':', ',', '=', '#', '/', '.', '-', '+', '0', '9', 'a', 'z'};

    private static final byte[][] INVALID_UTF8 = {
        {(byte) 0xc0, (byte) 0x80}, {(byte) 0xff}, {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82},
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xf0, (byte) 0x9f}, {(byte) 0xc3}, {(byte) 0xfe, (byte) 0xff}, {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
    };

    private static final String[] WHITESPACE = {"\r", "\r\n", "\t", "\u000b", "\u000c", "\u00a0", "\u2028", "\ufeff",
        " ", "\n\n", "\u0085"};

    private static final String[] OPENERS = {"[", "{", "(", "{\"a\":", "[[", "a=[", "a={b=", "all(", "not(", "(\"",
        "{\"a\":[", "x = [", "\"", "\\"};

    private final List<byte[]> seeds;
    private final List<byte[]> dictionary;
    private final List<byte[]> openers;
    private final int maxLength;

    /**
     * @param seeds      valid inputs to start from (at least one)
     * @param dictionary the format's own keywords and fragments ({@code [[package]]}, {@code "pkg_id":},
     *                   {@code Derive(}, {@code StorePath: }), inserted and repeated whole
     * @param maxLength  longest output, in bytes
     */
    public Mutator(List<byte[]> seeds, List<byte[]> dictionary, int maxLength) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a mutator needs at least one seed");
        }
        this.seeds = List.copyOf(seeds);
        this.dictionary = List.copyOf(dictionary);
        List<byte[]> o = new ArrayList<>(text(OPENERS));
        o.addAll(dictionary);
        this.openers = List.copyOf(o);
        this.maxLength = maxLength;
    }

    public Mutator(List<byte[]> seeds, List<byte[]> dictionary) {
        this(seeds, dictionary, 1 << 20);
    }

    /** Strings as UTF-8 byte arrays, for seeds and dictionaries. */
    public static List<byte[]> text(String... strings) {
        return java.util.Arrays.stream(strings).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public int maxLength() {
        return maxLength;
    }

    public List<byte[]> seeds() {
        return seeds;
    }

    /** One to three operations on a seed chosen by {@code r}. */
    public FuzzInput mutate(Random r) {
        byte[] data = seeds.get(r.nextInt(seeds.size()));
        int ops = r.nextInt(10) < 6 ? 1 : r.nextInt(10) < 7 ? 2 : 3;
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < ops; i++) {
            Op op = Op.values()[r.nextInt(Op.values().length)];
            data = apply(op, data, r);
            if (data.length > maxLength) {
                data = java.util.Arrays.copyOf(data, maxLength);
            }
            name.append(i == 0 ? "" : "+").append(op.label);
        }
        return new FuzzInput(name.toString(), data);
    }

    /** The operations, by the names that corpus files carry. */
    public enum Op {
        FLIP("flip"), BYTE("byte"), WORD64("word64"), TRUNCATE("truncate"), DELETE("delete"), DUPLICATE("dup"),
        REPEAT("repeat"), LINE_DELETE("line-delete"), LINE_DUPLICATE("line-dup"), LINE_SWAP("line-swap"),
        FIELD_DELETE("field-delete"), FIELD_DUPLICATE("field-dup"), NUMBER("number"), BOUNDARY("boundary"),
        NEST("nest"), UTF8("utf8"), NUL("nul"), WHITESPACE("ws"), PATH("path"), DICTIONARY("dict"),
        SPLICE("splice");

        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    /** Applies {@code op} to a copy of {@code in}. */
    public byte[] apply(Op op, byte[] in, Random r) {
        return switch (op) {
            case FLIP -> flip(in, r);
            case BYTE -> setByte(in, r);
            case WORD64 -> word64(in, r);
            case TRUNCATE -> truncate(in, r);
            case DELETE -> delete(in, r);
            case DUPLICATE -> duplicate(in, r);
            case REPEAT -> repeat(in, r);
            case LINE_DELETE -> lines(in, r, 0);
            case LINE_DUPLICATE -> lines(in, r, 1);
            case LINE_SWAP -> lines(in, r, 2);
            case FIELD_DELETE -> field(in, r, false);
            case FIELD_DUPLICATE -> field(in, r, true);
            case NUMBER -> number(in, r);
            case BOUNDARY -> insert(in, r, ascii(NUMBERS.get(r.nextInt(NUMBERS.size()))));
            case NEST -> nest(in, r);
            case UTF8 -> insert(in, r, INVALID_UTF8[r.nextInt(INVALID_UTF8.length)]);
            case NUL -> insert(in, r, new byte[1 + (r.nextBoolean() ? 0 : r.nextInt(16))]);
            case WHITESPACE -> insert(in, r, WHITESPACE[r.nextInt(WHITESPACE.length)].getBytes(StandardCharsets.UTF_8));
            case PATH -> path(in, r);
            case DICTIONARY -> dictionary.isEmpty() ? setByte(in, r)
                    : insert(in, r, dictionary.get(r.nextInt(dictionary.size())));
            case SPLICE -> splice(in, r);
        };
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] flip(byte[] in, Random r) {
        if (in.length == 0) {
            return new byte[] {(byte) r.nextInt(256)};
        }
        byte[] out = in.clone();
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            int at = r.nextInt(out.length);
            out[at] ^= (byte) (1 << r.nextInt(8));
        }
        return out;
    }

    private static byte[] setByte(byte[] in, Random r) {
        if (in.length == 0) {
            return new byte[] {INTERESTING[r.nextInt(INTERESTING.length)]};
        }
        byte[] out = in.clone();
        out[r.nextInt(out.length)] = INTERESTING[r.nextInt(INTERESTING.length)];
        return out;
    }

    private static byte[] word64(byte[] in, Random r) {
        if (in.length < 8) {
            return insert(in, r, le(WORDS[r.nextInt(WORDS.length)]));
        }
        byte[] out = in.clone();
        int at = 8 * r.nextInt(out.length / 8);
        System.arraycopy(le(WORDS[r.nextInt(WORDS.length)]), 0, out, at, 8);
        return out;
    }

    /** {@code v} as 8 little-endian bytes, as NAR lengths are written. */
    public static byte[] le(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** Cuts at a length class: empty, one byte, a word boundary, just past one, half, one short, or anywhere. */
    private static byte[] truncate(byte[] in, Random r) {
        int n = in.length;
        if (n == 0) {
            return in;
        }
        int len = switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> Math.min(n - 1, 8 * r.nextInt(Math.max(1, n / 8)));
            case 3 -> Math.min(n - 1, 8 * r.nextInt(Math.max(1, n / 8)) + 1 + r.nextInt(7));
            case 4 -> n / 2;
            case 5 -> n - 1;
            case 6 -> Math.min(n - 1, r.nextInt(Math.min(n, 64)));
            default -> r.nextInt(n);
        };
        return java.util.Arrays.copyOf(in, len);
    }

    private static int[] range(byte[] in, Random r) {
        int start = r.nextInt(in.length + 1);
        int max = in.length - start;
        int len = max == 0 ? 0 : r.nextBoolean() ? r.nextInt(Math.min(max, 16) + 1) : r.nextInt(max + 1);
        return new int[] {start, start + len};
    }

    private static byte[] delete(byte[] in, Random r) {
        int[] g = range(in, r);
        return concat(slice(in, 0, g[0]), slice(in, g[1], in.length));
    }

    private static byte[] duplicate(byte[] in, Random r) {
        int[] g = range(in, r);
        int at = r.nextInt(in.length + 1);
        return concat(slice(in, 0, at), slice(in, g[0], g[1]), slice(in, at, in.length));
    }

    private byte[] repeat(byte[] in, Random r) {
        int[] g = range(in, r);
        int len = Math.max(1, g[1] - g[0]);
        byte[] chunk = g[1] > g[0] ? slice(in, g[0], g[1]) : new byte[] {in.length == 0 ? (byte) 'a' : in[g[0] == in.length
                ? 0 : g[0]]};
        int times = Math.min(1 + r.nextInt(r.nextBoolean() ? 10 : 10_000), Math.max(1, (maxLength - in.length) / len));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(in, 0, g[0]);
        for (int i = 0; i < times; i++) {
            out.write(chunk, 0, chunk.length);
        }
        out.write(in, g[0], in.length - g[0]);
        return out.toByteArray();
    }

    /** mode 0 deletes a line, 1 duplicates one (in place or elsewhere), 2 swaps two. */
    private static byte[] lines(byte[] in, Random r, int mode) {
        List<byte[]> lines = split(in, (byte) '\n');
        if (lines.size() < 2 && mode != 1) {
            return delete(in, r);
        }
        int a = r.nextInt(lines.size());
        switch (mode) {
            case 0 -> lines.remove(a);
            case 1 -> lines.add(r.nextBoolean() ? a : r.nextInt(lines.size() + 1), lines.get(a));
            default -> {
                int b = r.nextInt(lines.size());
                byte[] t = lines.get(a);
                lines.set(a, lines.get(b));
                lines.set(b, t);
            }
        }
        return join(lines, (byte) '\n');
    }

    /** Deletes or duplicates the text between two occurrences of a separator ({@code , : = " space}). */
    private static byte[] field(byte[] in, Random r, boolean dup) {
        byte[] seps = {',', ':', '=', '"', ' ', ';'};
        byte sep = seps[r.nextInt(seps.length)];
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == sep) {
                at.add(i);
            }
        }
        if (at.size() < 2) {
            return dup ? duplicate(in, r) : delete(in, r);
        }
        int k = r.nextInt(at.size() - 1);
        int s = at.get(k);
        int e = at.get(k + 1);
        return dup ? concat(slice(in, 0, e), slice(in, s, e), slice(in, e, in.length))
                : concat(slice(in, 0, s), slice(in, e, in.length));
    }

    /** Replaces a run of digits with a boundary value, or inserts one where there is none. */
    private static byte[] number(byte[] in, Random r) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (in[i] >= '0' && in[i] <= '9') {
                int s = i;
                while (i < in.length && in[i] >= '0' && in[i] <= '9') {
                    i++;
                }
                runs.add(new int[] {s, i});
            }
        }
        byte[] value = ascii(NUMBERS.get(r.nextInt(NUMBERS.size())));
        if (runs.isEmpty()) {
            return insert(in, r, value);
        }
        int[] run = runs.get(r.nextInt(runs.size()));
        return concat(slice(in, 0, run[0]), value, slice(in, run[1], in.length));
    }

    /** An opener repeated 64 to 100 000 times, sometimes closed again, at a random place. */
    private byte[] nest(byte[] in, Random r) {
        byte[] o = openers.get(r.nextInt(openers.size()));
        String opener = new String(o, StandardCharsets.ISO_8859_1);
        int[] depths = {64, 500, 1000, 5000, 20_000, 100_000};
        int depth = depths[r.nextInt(depths.length)];
        depth = Math.max(1, Math.min(depth, (maxLength - in.length) / Math.max(1, 2 * o.length)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            out.write(o, 0, o.length);
        }
        if (r.nextBoolean()) {
            byte[] close = closer(opener).getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < depth; i++) {
                out.write(close, 0, close.length);
            }
        }
        return insert(in, r, out.toByteArray());
    }

    private static String closer(String opener) {
        StringBuilder sb = new StringBuilder();
        for (int i = opener.length() - 1; i >= 0; i--) {
            char c = opener.charAt(i);
            switch (c) {
                case '[' -> sb.append(']');
                case '{' -> sb.append('}');
                case '(' -> sb.append(')');
                case '"' -> sb.append('"');
                default -> { }
            }
        }
        return sb.length() == 0 ? ")" : sb.toString();
    }

    /** A traversal or absolute path, inserted, or replacing a path-looking or quoted part. */
    private static byte[] path(byte[] in, Random r) {
        byte[] p = ascii(PATHS.get(r.nextInt(PATHS.size())));
        List<Integer> slashes = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '/' || in[i] == '"') {
                slashes.add(i);
            }
        }
        if (slashes.isEmpty() || r.nextBoolean()) {
            return insert(in, r, p);
        }
        int at = slashes.get(r.nextInt(slashes.size())) + 1;
        return concat(slice(in, 0, Math.min(at, in.length)), p, slice(in, Math.min(at, in.length), in.length));
    }

    private byte[] splice(byte[] in, Random r) {
        byte[] other = seeds.get(r.nextInt(seeds.size()));
        int a = r.nextInt(in.length + 1);
        int b = r.nextInt(other.length + 1);
        return concat(slice(in, 0, a), slice(other, b, other.length));
    }

    /** {@code what} inserted at a random offset. */
    public static byte[] insert(byte[] in, Random r, byte[] what) {
        int at = r.nextInt(in.length + 1);
        return concat(slice(in, 0, at), what, slice(in, at, in.length));
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static List<byte[]> split(byte[] in, byte sep) {
        List<byte[]> out = new ArrayList<>();
        int s = 0;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == sep) {
                out.add(slice(in, s, i));
                s = i + 1;
            }
        }
        out.add(slice(in, s, in.length));
        return out;
    }

    private static byte[] join(List<byte[]> parts, byte sep) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.write(sep);
            }
            out.write(parts.get(i), 0, parts.get(i).length);
        }
        return out.toByteArray();
    }
}
