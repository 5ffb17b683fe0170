package dev.crabstore.store.build;

/**
 * Whether text from somewhere not trusted (a binary cache's unsigned build log) may be printed on a user's terminal:
 * printable characters, newlines and tabs, and colour changes ({@code ESC [ digits and ; m}, as rustc colours its
 * diagnostics). Any other control character or escape sequence (cursor moves, title or clipboard writes, hyperlinks)
 * is refused.
 */
public final class TerminalText {
    private TerminalText() {}

    public static boolean isSafe(String s) {
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == 0x1b) {
                int end = colourEnd(s, i);
                if (end < 0) {
                    return false;
                }
                i = end;
                continue;
            }
            if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c < 0xa0) {
                return false;
            }
            i++;
        }
        return true;
    }

    /** The index after a colour sequence starting at {@code esc}, or -1 if none starts there. */
    private static int colourEnd(String s, int esc) {
        if (esc + 1 >= s.length() || s.charAt(esc + 1) != '[') {
            return -1;
        }
        for (int j = esc + 2; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == 'm') {
                return j + 1;
            }
            if (!(c >= '0' && c <= '9' || c == ';')) {
                return -1;
            }
        }
        return -1;
    }
}
