package dev.crabstore.testkit.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Structurally hostile NARs, made token by token: entry names that escape ({@code ..}, {@code /}, absolute paths,
 * NUL, empty, too long, not UTF-8), links followed by an entry of the same name or a path through them, duplicate and unsorted
 * entries, directories nested past any limit, declared lengths of 2^62 and 2^64-1 for contents, names, tags and
 * link targets, padding that is not zero, bytes after the end, many entries. Mixed with {@link Mutator} on valid
 * NARs by the tests.
 */
public final class HostileNars implements InputSource {
    private static final String[] BAD_NAMES = {"..", ".", "", "a/b", "../" + Mutator.ESCAPE_NAME,
        "/tmp/" + Mutator.ESCAPE_NAME, "a\0b", "\0", Mutator.ESCAPE_NAME + "/..", "/", "x".repeat(4097),
        "x".repeat(256), "\u00ff\u00fe", "ok"};
    private static final long[] HUGE = {1L << 62, Long.MAX_VALUE, -1, 1L << 31, (1L << 32) + 1, 65537, 4097};

    @Override
    public FuzzInput next(Random r) {
        int c = r.nextInt(16);
        return switch (c) {
            case 0 -> badName(r);
            case 1 -> linkThenSameName(r);
            case 2 -> linkThenThrough(r);
            case 3 -> deep(r);
            case 4 -> hugeContents(r);
            case 5 -> hugeString(r);
            case 6 -> new FuzzInput("hostile-exec-marker", NarTokens.archive().tokens("(", "type", "regular",
                    "executable", "x", "contents").str("a").close().bytes());
            case 7 -> new FuzzInput("hostile-type", NarTokens.archive().tokens("(", "type",
                    pick(r, "fifo", "socket", "Directory", "", "regular\0", "symlink ")).close().bytes());
            case 8 -> new FuzzInput("hostile-trailing", NarTokens.archive().file(bytes("x"), false)
                    .raw(r.nextBoolean() ? new byte[1 + r.nextInt(16)] : NarTokens.archive().bytes()).bytes());
            case 9 -> order(r);
            case 10 -> padding(r);
            case 11 -> many(r);
            case 12 -> new FuzzInput("hostile-magic", new NarTokens().str(pick(r, "nix-archive-2", "nix-archive-",
                    "NIX-ARCHIVE-1", "", "nix-archive-1\0")).file(bytes("x"), false).bytes());
            case 13 -> new FuzzInput("hostile-symlink-target", NarTokens.archive().symlink(pick(r, "", "\0",
                    "a\0b", "x".repeat(65537), "../../../../" + Mutator.ESCAPE_NAME)).bytes());
            case 14 -> new FuzzInput("hostile-root-not-node", NarTokens.archive().tokens(pick(r, ")", "entry",
                    "type", "(", "")).bytes());
            default -> new FuzzInput("hostile-mixed-nodes", NarTokens.archive().openDirectory().entry("a")
                    .tokens("(", "type", "regular", "contents").str("x").tokens("target", "y", ")").closeEntry()
                    .close().bytes());
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    private static FuzzInput badName(Random r) {
        byte[] name = r.nextInt(8) == 0 ? new byte[] {(byte) 0xff, 'a', (byte) 0xc0, (byte) 0x80}
                : pick(r, BAD_NAMES).getBytes(StandardCharsets.UTF_8);
        NarTokens t = NarTokens.archive().openDirectory().entry(name);
        switch (r.nextInt(3)) {
            case 0 -> t.file(bytes("escaped"), false);
            case 1 -> t.symlink("/tmp/" + Mutator.ESCAPE_NAME);
            default -> t.openDirectory().entry("f").file(bytes("x"), false).closeEntry().close();
        }
        return new FuzzInput("hostile-name", t.closeEntry().close().bytes());
    }

    /** {@code a -> target}, then {@code a} again as a directory with a file, or as a file. */
    private static FuzzInput linkThenSameName(Random r) {
        String target = pick(r, "/tmp", "..", "../..", "/tmp/" + Mutator.ESCAPE_NAME, ".");
        NarTokens t = NarTokens.archive().openDirectory().entry("a").symlink(target).closeEntry().entry("a");
        if (r.nextBoolean()) {
            t.openDirectory().entry(Mutator.ESCAPE_NAME).file(bytes("x"), false).closeEntry().close();
        } else {
            t.file(bytes("overwrite"), false);
        }
        return new FuzzInput("hostile-link-same-name", t.closeEntry().close().bytes());
    }

    /** {@code a -> ..}, then an entry named {@code a/x} (which the parser must refuse). */
    private static FuzzInput linkThenThrough(Random r) {
        NarTokens t = NarTokens.archive().openDirectory().entry("a").symlink(pick(r, "..", "/tmp", "../.."))
                .closeEntry().entry("a/" + Mutator.ESCAPE_NAME).file(bytes("x"), false).closeEntry().close();
        return new FuzzInput("hostile-link-through", t.bytes());
    }

    private static FuzzInput deep(Random r) {
        int depth = pick(r, 100, 1000, 4095, 4096, 4097, 10_000);
        boolean closed = r.nextBoolean();
        NarTokens t = NarTokens.archive();
        for (int i = 0; i < depth; i++) {
            t.openDirectory().entry("d");
        }
        t.file(bytes("bottom"), false);
        if (closed) {
            for (int i = 0; i < depth; i++) {
                t.closeEntry().close();
            }
        }
        return new FuzzInput("hostile-deep-" + depth, t.bytes());
    }

    private static FuzzInput hugeContents(Random r) {
        long n = HUGE[r.nextInt(HUGE.length)];
        NarTokens t = NarTokens.archive();
        boolean inDir = r.nextBoolean();
        if (inDir) {
            t.openDirectory().entry("big");
        }
        t.tokens("(", "type", "regular", "contents").len(n).raw(new byte[r.nextInt(64)]);
        return new FuzzInput("hostile-huge-contents", t.bytes());
    }

    private static FuzzInput hugeString(Random r) {
        long n = HUGE[r.nextInt(HUGE.length)];
        NarTokens t = NarTokens.archive();
        switch (r.nextInt(4)) {
            case 0 -> t.str("(").len(n).raw(bytes("type"));
            case 1 -> t.openDirectory().str("entry").str("(").str("name").len(n).raw(bytes("name"));
            case 2 -> t.tokens("(", "type", "symlink", "target").len(n).raw(bytes("/tmp"));
            default -> t = new NarTokens().len(n).raw(bytes(NarTokens.MAGIC));
        }
        return new FuzzInput("hostile-huge-string", t.bytes());
    }

    private static FuzzInput order(Random r) {
        List<String> names = r.nextBoolean() ? List.of("b", "a") : r.nextBoolean() ? List.of("a", "a")
                : List.of("a", "B", "\u00e9", "e");
        NarTokens t = NarTokens.archive().openDirectory();
        for (String n : names) {
            t.entry(n).file(bytes(n), false).closeEntry();
        }
        return new FuzzInput("hostile-order", t.close().bytes());
    }

    private static FuzzInput padding(Random r) {
        NarTokens t = NarTokens.archive().tokens("(", "type", "regular", "contents").len(3).raw(bytes("abc"));
        byte[] pad = new byte[5];
        pad[r.nextInt(5)] = (byte) (1 + r.nextInt(255));
        return new FuzzInput("hostile-padding", t.raw(pad).close().bytes());
    }

    private static FuzzInput many(Random r) {
        int n = pick(r, 300, 2000);
        NarTokens t = NarTokens.archive().openDirectory();
        for (int i = 0; i < n; i++) {
            t.entry(String.format("f%06d", i)).file(new byte[0], false).closeEntry();
        }
        if (r.nextBoolean()) {
            t.close();
        }
        return new FuzzInput("hostile-many-" + n, t.bytes());
    }
}
