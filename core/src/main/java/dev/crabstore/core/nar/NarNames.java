package dev.crabstore.core.nar;

import java.util.Arrays;

/** Rules for directory entry names in a NAR: raw bytes, ordered as unsigned bytes (memcmp), as Nix orders them. */
public final class NarNames {
    private NarNames() {}

    /** Why {@code name} cannot be an entry name, or null when it can. */
    public static String invalidReason(byte[] name) {
        if (name.length == 0) {
            return "empty name";
        }
        if (name.length == 1 && name[0] == '.') {
            return "name '.'";
        }
        if (name.length == 2 && name[0] == '.' && name[1] == '.') {
            return "name '..'";
        }
        for (byte b : name) {
            if (b == '/') {
                return "name containing '/'";
            }
            if (b == 0) {
                return "name containing NUL";
            }
        }
        return null;
    }

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
