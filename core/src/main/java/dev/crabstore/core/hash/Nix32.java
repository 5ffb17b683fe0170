package dev.crabstore.core.hash;

import dev.crabstore.core.InvalidFormatException;

/**
 * Nix's base-32 encoding: alphabet without e, o, u, t; the hash read as one little-endian bit string and printed
 * from its most significant 5-bit group down. Not RFC 4648.
 */
public final class Nix32 {
    static final String ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

    private Nix32() {}

    public static int encodedLength(int bytes) {
        return (bytes * 8 - 1) / 5 + 1;
    }

    public static String encode(byte[] hash) {
        int len = encodedLength(hash.length);
        StringBuilder sb = new StringBuilder(len);
        for (int k = len - 1; k >= 0; k--) {
            int b = k * 5;
            int i = b / 8;
            int j = b % 8;
            int v = (hash[i] & 0xff) >>> j;
            if (i + 1 < hash.length) {
                v |= (hash[i + 1] & 0xff) << (8 - j);
            }
            sb.append(ALPHABET.charAt(v & 0x1f));
        }
        return sb.toString();
    }

    /** Decodes {@code s} into {@code size} bytes; rejects foreign characters and non-zero unused high bits. */
    public static byte[] decode(String s, int size) {
        if (s.length() != encodedLength(size)) {
            throw new InvalidFormatException("nix32 string '" + s + "' has length " + s.length()
                    + ", expected " + encodedLength(size));
        }
        byte[] out = new byte[size];
        int len = s.length();
        for (int n = 0; n < len; n++) {
            char c = s.charAt(len - n - 1);
            int digit = ALPHABET.indexOf(c);
            if (digit < 0) {
                throw new InvalidFormatException("invalid character '" + c + "' in nix32 string '" + s + "'");
            }
            int b = n * 5;
            int i = b / 8;
            int j = b % 8;
            out[i] |= (byte) (digit << j);
            int carry = digit >>> (8 - j);
            if (i + 1 < size) {
                out[i + 1] |= (byte) carry;
            } else if (carry != 0) {
                throw new InvalidFormatException("nix32 string '" + s + "' has non-zero padding bits");
            }
        }
        return out;
    }

    public static boolean isValidChar(char c) {
        return ALPHABET.indexOf(c) >= 0;
    }
}
