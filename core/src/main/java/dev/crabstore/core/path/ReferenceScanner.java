package dev.crabstore.core.path;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds which candidate store paths a byte stream (a NAR of a build output) refers to, by searching for their
 * 32-character hash parts as Nix does. Write the bytes into it in any chunking; windows that straddle two writes
 * are found too.
 */
public final class ReferenceScanner extends OutputStream {
    private static final int LEN = StorePath.HASH_PART_LENGTH;
    private static final boolean[] NIX32 = new boolean[256];

    static {
        for (char c : "0123456789abcdfghijklmnpqrsvwxyz".toCharArray()) {
            NIX32[c] = true;
        }
    }

    private final Map<String, StorePath> candidates = new HashMap<>();
    private final Set<StorePath> found = new TreeSet<>();
    // The last LEN-1 bytes of the previous write, so windows across writes are seen.
    private final byte[] carry = new byte[LEN - 1];
    private int carryLength;

    public ReferenceScanner(Collection<StorePath> candidates) {
        for (StorePath p : candidates) {
            this.candidates.put(p.hashPart(), p);
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (candidates.isEmpty() || len == 0) {
            return;
        }
        byte[] buf;
        int start;
        int end;
        if (carryLength > 0) {
            // Scan the seam: carry plus the first LEN-1 bytes of this write.
            int seam = Math.min(len, LEN - 1);
            buf = new byte[carryLength + seam];
            System.arraycopy(carry, 0, buf, 0, carryLength);
            System.arraycopy(b, off, buf, carryLength, seam);
            scan(buf, 0, buf.length);
        }
        scan(b, off, off + len);
        // Remember the tail for the next seam.
        if (len >= LEN - 1) {
            System.arraycopy(b, off + len - (LEN - 1), carry, 0, LEN - 1);
            carryLength = LEN - 1;
        } else {
            int keep = Math.min(LEN - 1, carryLength + len);
            byte[] merged = new byte[carryLength + len];
            System.arraycopy(carry, 0, merged, 0, carryLength);
            System.arraycopy(b, off, merged, carryLength, len);
            System.arraycopy(merged, merged.length - keep, carry, 0, keep);
            carryLength = keep;
        }
    }

    private void scan(byte[] b, int from, int to) {
        int i = from;
        while (i + LEN <= to) {
            int j = LEN - 1;
            while (j >= 0 && NIX32[b[i + j] & 0xff]) {
                j--;
            }
            if (j >= 0) {
                i += j + 1;
                continue;
            }
            StorePath p = candidates.get(new String(b, i, LEN, StandardCharsets.US_ASCII));
            if (p != null) {
                found.add(p);
            }
            i++;
        }
    }

    /** The candidates seen so far, sorted. */
    public Set<StorePath> found() {
        return new TreeSet<>(found);
    }
}
