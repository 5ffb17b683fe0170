package dev.crabstore.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tar archives header by header with no checks, for hostile crate archives: any name (absolute, {@code ..},
 * NUL, longer than 100 bytes via PAX or GNU long-name records), links, devices and fifos, declared sizes that do not
 * match the data (up to 2^62, in base-256), duplicate entries. Headers are POSIX ustar with a correct checksum
 * unless {@link #corruptChecksum} says otherwise.
 */
public final class TarBuilder {
    public static final char FILE = '0';
    public static final char HARD_LINK = '1';
    public static final char SYMLINK = '2';
    public static final char CHAR_DEVICE = '3';
    public static final char BLOCK_DEVICE = '4';
    public static final char DIRECTORY = '5';
    public static final char FIFO = '6';
    public static final char CONTIGUOUS = '7';
    public static final char PAX = 'x';
    public static final char GLOBAL_PAX = 'g';
    public static final char GNU_LONG_NAME = 'L';
    public static final char GNU_LONG_LINK = 'K';
    public static final char GNU_SPARSE = 'S';

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private boolean corruptChecksum;

    public TarBuilder file(String name, String contents, int mode) {
        return entry(name, FILE, contents.getBytes(StandardCharsets.UTF_8), mode, "", -1);
    }

    public TarBuilder file(String name, byte[] contents, int mode) {
        return entry(name, FILE, contents, mode, "", -1);
    }

    public TarBuilder directory(String name) {
        return entry(name, DIRECTORY, new byte[0], 0755, "", -1);
    }

    public TarBuilder symlink(String name, String target) {
        return entry(name, SYMLINK, new byte[0], 0777, target, -1);
    }

    public TarBuilder hardLink(String name, String target) {
        return entry(name, HARD_LINK, new byte[0], 0644, target, -1);
    }

    /** A PAX extended header applying to the next entry ({@code path}, {@code linkpath}, {@code size}, ...). */
    public TarBuilder pax(Map<String, String> records) {
        return entry("././@PaxHeader", PAX, paxBody(records), 0644, "", -1);
    }

    public TarBuilder globalPax(Map<String, String> records) {
        return entry("pax_global_header", GLOBAL_PAX, paxBody(records), 0644, "", -1);
    }

    /** A GNU long-name record giving the next entry's name. */
    public TarBuilder gnuLongName(String name) {
        byte[] b = (name + "\0").getBytes(StandardCharsets.UTF_8);
        return entry("././@LongLink", GNU_LONG_NAME, b, 0644, "", -1);
    }

    /** The next header's checksum is wrong. */
    public TarBuilder corruptChecksum() {
        corruptChecksum = true;
        return this;
    }

    /**
     * One header and its data, padded to 512 bytes.
     *
     * @param declaredSize the size the header states, or -1 for the data's length
     */
    public TarBuilder entry(String name, char type, byte[] data, int mode, String linkName, long declaredSize) {
        byte[] h = new byte[512];
        put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 1000);
        octal(h, 116, 8, 1000);
        long size = declaredSize < 0 ? data.length : declaredSize;
        if (size < 077777777777L) {
            octal(h, 124, 12, size);
        } else {
            h[124] = (byte) 0x80; // base-256, big-endian in the remaining 11 bytes
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        octal(h, 136, 12, 1);
        h[156] = (byte) type;
        put(h, 157, 100, linkName.getBytes(StandardCharsets.UTF_8));
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 265, 32, "user".getBytes(StandardCharsets.US_ASCII));
        put(h, 297, 32, "user".getBytes(StandardCharsets.US_ASCII));
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        if (corruptChecksum) {
            sum += 1;
            corruptChecksum = false;
        }
        byte[] cs = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        put(h, 148, 6, cs);
        h[154] = 0;
        h[155] = ' ';
        out.write(h, 0, 512);
        out.write(data, 0, data.length);
        int pad = (512 - data.length % 512) % 512;
        out.write(new byte[pad], 0, pad);
        return this;
    }

    /** Bytes written as they are (a short header, garbage between entries). */
    public TarBuilder raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** The archive with its two zero end blocks. */
    public byte[] tar() {
        return tar(true);
    }

    public byte[] tar(boolean endBlocks) {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        byte[] body = out.toByteArray();
        copy.write(body, 0, body.length);
        if (endBlocks) {
            copy.write(new byte[1024], 0, 1024);
        }
        return copy.toByteArray();
    }

    public byte[] gzip() {
        return gzip(tar());
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static byte[] paxBody(Map<String, String> records) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : records.entrySet()) {
            String rest = " " + e.getKey() + "=" + e.getValue() + "\n";
            int restLen = rest.getBytes(StandardCharsets.UTF_8).length;
            int len = restLen + 1;
            while (len != restLen + String.valueOf(len).length()) {
                len = restLen + String.valueOf(len).length();
            }
            sb.append(len).append(rest);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void octal(byte[] h, int at, int width, long v) {
        String s = String.format("%0" + (width - 1) + "o", v);
        put(h, at, width - 1, s.substring(Math.max(0, s.length() - (width - 1))).getBytes(StandardCharsets.US_ASCII));
        h[at + width - 1] = 0;
    }

    private static void put(byte[] h, int at, int max, byte[] b) {
        System.arraycopy(b, 0, h, at, Math.min(max, b.length));
    }
}
