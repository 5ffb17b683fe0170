package dev.crabstore.store.fetch;

import dev.crabstore.testkit.fuzz.FuzzInput;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import dev.crabstore.testkit.fuzz.TarBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

/**
 * Crate archives ({@code foo-1.0.0/...}) built to escape or to exhaust: traversal and absolute names (plain, in
 * PAX records, in GNU long names), links then paths through them, hard links, devices and fifos, duplicate and
 * conflicting entries, declared sizes of 2^62, wrong checksums, missing end blocks, trailing garbage, concatenated
 * gzip members, many entries, and a file of 8 MiB of zeros (a small gzip bomb).
 */
final class HostileCrates implements InputSource {
    static final String TOP = "foo-1.0.0";
    private static final String ESC = Mutator.ESCAPE_NAME;
    private static final String[] BAD_NAMES = {"../" + ESC, TOP + "/../../" + ESC, "/tmp/" + ESC,
        TOP + "/a/../../../" + ESC, "./" + TOP + "/x", TOP + "//tmp/" + ESC, TOP + "/./x", TOP + "\\..\\" + ESC,
        TOP + "x/a", "FOO-1.0.0/a", "", TOP, TOP + "/", TOP + "/a\0b", "..", TOP + "/..", TOP + "/" + "x".repeat(300),
        TOP + "/~/" + ESC};

    @Override
    public FuzzInput next(Random r) {
        int c = r.nextInt(14);
        TarBuilder t = new TarBuilder().file(TOP + "/Cargo.toml", "[package]\n", 0644);
        String how;
        switch (c) {
            case 0 -> {
                how = "name";
                t.file(pick(r, BAD_NAMES), "escaped", 0644);
            }
            case 1 -> {
                how = "symlink-then-through";
                String target = pick(r, "/tmp", "..", "../..", "/tmp/" + ESC, ".");
                t.symlink(TOP + "/link", target);
                if (r.nextBoolean()) {
                    t.file(TOP + "/link/" + ESC, "through the link", 0644);
                } else {
                    t.file(TOP + "/link", "over the link", 0644);
                }
            }
            case 2 -> {
                how = "hardlink";
                t.hardLink(TOP + "/h", pick(r, "/etc/passwd", "../" + ESC, TOP + "/Cargo.toml"));
                t.file(TOP + "/h", "write through", 0644);
            }
            case 3 -> {
                how = "pax";
                String key = pick(r, "path", "linkpath", "size", "GNU.sparse.map", "mtime", "uid");
                String value = pick(r, "../" + ESC, "/tmp/" + ESC, "99999999999999999999", "-1", "x", "",
                        TOP + "/../" + ESC, "1e400");
                t.pax(Map.of(key, value)).file(TOP + "/ok", "ok", 0644);
            }
            case 4 -> {
                how = "gnu-longname";
                t.gnuLongName(pick(r, TOP + "/" + "../".repeat(12) + ESC, "/tmp/" + ESC, TOP + "/" + "d/".repeat(200)
                        + "f")).file(TOP + "/short", "x", 0644);
            }
            case 5 -> {
                how = "special";
                char type = pick(r, TarBuilder.CHAR_DEVICE, TarBuilder.BLOCK_DEVICE, TarBuilder.FIFO,
                        TarBuilder.CONTIGUOUS, TarBuilder.GNU_SPARSE, 'Z', '\0', TarBuilder.GNU_LONG_LINK,
                        TarBuilder.GLOBAL_PAX);
                t.entry(TOP + "/special", type, "data".getBytes(StandardCharsets.UTF_8), 0644, "", -1);
            }
            case 6 -> {
                how = "conflict";
                switch (r.nextInt(4)) {
                    case 0 -> t.file(TOP + "/a", "1", 0644).file(TOP + "/a", "2", 0644);
                    case 1 -> t.file(TOP + "/a", "1", 0644).directory(TOP + "/a/");
                    case 2 -> t.directory(TOP + "/a/").file(TOP + "/a", "1", 0644);
                    default -> t.file(TOP + "/a", "1", 0644).file(TOP + "/a/b", "2", 0644);
                }
            }
            case 7 -> {
                how = "huge-size";
                long size = pick(r, 1L << 62, 1L << 33, 077777777777L, Long.MAX_VALUE);
                t.entry(TOP + "/big", TarBuilder.FILE, new byte[r.nextInt(2048)], 0644, "", size);
            }
            case 8 -> {
                how = "checksum";
                t.corruptChecksum().file(TOP + "/src/lib.rs", "", 0644);
            }
            case 9 -> {
                how = "no-end";
                return new FuzzInput("hostile-crate-" + how, TarBuilder.gzip(t.tar(false)));
            }
            case 10 -> {
                how = "gzip-tail";
                byte[] gz = t.gzip();
                byte[] tail = r.nextBoolean() ? new TarBuilder().file(TOP + "/../" + ESC, "x", 0644).gzip()
                        : new byte[] {0x1f, (byte) 0x8b, 8, 0, 0};
                byte[] out = new byte[gz.length + tail.length];
                System.arraycopy(gz, 0, out, 0, gz.length);
                System.arraycopy(tail, 0, out, gz.length, tail.length);
                return new FuzzInput("hostile-crate-" + how, out);
            }
            case 11 -> {
                how = "many";
                int n = pick(r, 300, 1500);
                for (int i = 0; i < n; i++) {
                    t.file(TOP + "/f" + i, "", 0644);
                }
            }
            case 12 -> {
                how = "zeros";
                t.file(TOP + "/zeros", new byte[8 << 20], 0644);
            }
            default -> {
                how = "deep";
                String name = TOP + "/" + "d/".repeat(pick(r, 40, 2000)) + "f";
                t.gnuLongName(name).file(name, "deep", 0644);
            }
        }
        return new FuzzInput("hostile-crate-" + how, t.gzip());
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }
}
