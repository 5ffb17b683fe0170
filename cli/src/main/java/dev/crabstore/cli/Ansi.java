package dev.crabstore.cli;

import java.util.regex.Pattern;

/** Terminal colours in rustc's rendered diagnostics: kept on a terminal, removed elsewhere, as cargo does. */
final class Ansi {
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;]*[A-Za-z]");

    private Ansi() {}

    static String forStderr(String s) {
        return System.console() != null ? s : strip(s);
    }

    static String strip(String s) {
        return s.indexOf('\u001b') < 0 ? s : ESCAPES.matcher(s).replaceAll("");
    }
}
