package dev.crabstore.core.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.InvalidFormatException;
import org.junit.jupiter.api.Test;

class HashTest {
    // Known answers from `nix hash to-base32` (shared/docs/nix-formats.md §1).
    @Test
    void nix32KnownAnswers() {
        byte[] b = new byte[20];
        for (int i = 0; i < 20; i++) {
            b[i] = (byte) i;
        }
        assertEquals("2c91240g1q6hq2qa1440f1h50h1h4080", Nix32.encode(b));
        assertArrayEquals(b, Nix32.decode("2c91240g1q6hq2qa1440f1h50h1h4080", 20));
        Hash empty = Hash.sha256(new byte[0]);
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", empty.toBase16());
        assertEquals("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", empty.toNix32());
    }

    @Test
    void parsesEveryForm() {
        Hash h = Hash.sha256("hello\n");
        for (HashEncoding e : HashEncoding.values()) {
            assertEquals(h, Hash.parse(h.toString(e)), e.name());
            if (e != HashEncoding.SRI) {
                assertEquals(h, Hash.parse(HashAlgorithm.SHA256, h.encode(e)), e.name());
            }
        }
        assertEquals(h, Hash.parse("sha256:" + h.toBase16().toUpperCase()));
    }

    @Test
    void roundTripsAllAlgorithms() {
        for (HashAlgorithm a : HashAlgorithm.values()) {
            Hash h = Hash.digest(a, "x".getBytes());
            assertEquals(a.nix32Length(), h.toNix32().length());
            assertEquals(h, Hash.parse(h.toString()));
            assertEquals(h, Hash.parse(h.toSri()));
        }
        assertEquals(52, HashAlgorithm.SHA256.nix32Length());
        assertEquals(103, HashAlgorithm.SHA512.nix32Length());
        assertEquals(26, HashAlgorithm.MD5.nix32Length());
    }

    @Test
    void rejectsBadInput() {
        assertThrows(InvalidFormatException.class, () -> Hash.parse("sha256:xyz"));
        assertThrows(InvalidFormatException.class, () -> Hash.parse("blake3:abcd"));
        assertThrows(InvalidFormatException.class, () -> Hash.parse("nocolon"));
        // 'e' is not in the Nix32 alphabet.
        assertThrows(InvalidFormatException.class,
                () -> Nix32.decode("2c91240g1q6hq2qa1440f1h50h1h408e", 20));
        // Non-zero unused high bits: 52 chars hold 260 bits for 256.
        assertThrows(InvalidFormatException.class,
                () -> Nix32.decode("zmdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", 32));
    }
}
