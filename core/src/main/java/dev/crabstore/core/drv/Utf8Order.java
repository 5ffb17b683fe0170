package dev.crabstore.core.drv;

import java.util.Comparator;

/**
 * Orders strings by their UTF-8 bytes, as Nix's {@code std::map<std::string, …>} does. Comparing code points gives
 * the same order as comparing UTF-8 bytes; {@link String#compareTo} compares UTF-16 units and differs for
 * characters above U+FFFF versus U+E000..U+FFFF.
 */
public final class Utf8Order implements Comparator<String> {
    public static final Utf8Order INSTANCE = new Utf8Order();

    private Utf8Order() {}

    @Override
    public int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
