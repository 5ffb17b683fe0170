package dev.crabstore.core.path;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReferenceScannerTest {
    static final StorePath A = StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t");
    static final StorePath B = StorePath.parseBaseName("3y7fdghfqlqpighk6301diwn76hyhx6w-hello.txt");
    static final StorePath C = StorePath.parseBaseName("dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-other");

    @Test
    void findsHashPartsAnywhereAndInAnyChunking() {
        byte[] data = new byte[10_000];
        new Random(1).nextBytes(data);
        byte[] a = ("/crabstore/store/" + A.baseName()).getBytes(StandardCharsets.US_ASCII);
        byte[] b = B.hashPart().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(a, 0, data, 1000, a.length);
        System.arraycopy(b, 0, data, data.length - b.length, b.length);
        for (int chunk : new int[] {1, 7, 31, 32, 33, 4096, data.length}) {
            ReferenceScanner s = new ReferenceScanner(List.of(A, B, C));
            for (int off = 0; off < data.length; off += chunk) {
                s.write(data, off, Math.min(chunk, data.length - off));
            }
            assertEquals(Set.of(A, B), s.found(), "chunk " + chunk);
        }
    }

    @Test
    void aHashPartInsideALongerRunStillCounts() {
        // Nix matches any 32-char window, also inside a longer run of Nix32 characters.
        ReferenceScanner s = new ReferenceScanner(List.of(A));
        s.write(("xx" + A.hashPart() + "zz").getBytes(StandardCharsets.US_ASCII), 0, 36);
        assertEquals(Set.of(A), s.found());
        ReferenceScanner none = new ReferenceScanner(List.of(A));
        none.write(A.hashPart().substring(1).getBytes(StandardCharsets.US_ASCII), 0, 31);
        assertEquals(Set.of(), none.found());
    }
}
