package dev.crabstore.store.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What is taken from a build log a binary cache served (unsigned text shown on a user's terminal). */
class DiagnosticsFromCacheTest {
    static String diagnostic(String level, String renderedJson) {
        return diagnostic("unused variable: `zz`", level, renderedJson);
    }

    static String diagnostic(String message, String level, String renderedJson) {
        return "{\"$message_type\":\"diagnostic\",\"message\":\"" + message + "\",\"level\":\"" + level
                + "\",\"rendered\":\"" + renderedJson + "\"}";
    }

    static final String COLOURED = "\\u001b[0m\\u001b[1m\\u001b[33mwarning\\u001b[0m: unused\\n\\tat x\\n";

    @Test
    void warningsWithColoursAreTaken() {
        String log = diagnostic("warning", COLOURED) + "\n"
                + diagnostic("1 warning emitted", "warning", "warning: 1 warning emitted\\n") + "\n";
        Diagnostics d = Diagnostics.fromCache(log);
        assertEquals(2, d.all().size());
        assertEquals(1, d.warnings(), "rustc's closing count is not a warning of its own");
        assertTrue(d.rendered().contains("\u001b[33mwarning"), d.rendered());
    }

    @Test
    void controlSequencesOtherThanColoursRefuseTheWholeLog() {
        for (String bad : new String[] {"\\u001b]0;title\\u0007", "\\u001b[2J", "\\u001b[10;1H",
                "\\u001b]8;;http://x\\u001b\\\\",
                "\\r", "\\u0008", "\\u009b31m", "\\u007f", "\\u001b[31", "\\u001b"}) {
            String log = diagnostic("warning", "fine\\n") + "\n" + diagnostic("warning", "warning: " + bad + "x\\n");
            assertTrue(Diagnostics.fromCache(log).isEmpty(), bad);
        }
        assertTrue(Diagnostics.fromCache(diagnostic("warn\\u001b]0;t\\u0007ing", "x\\n")).isEmpty(), "in the level");
    }

    @Test
    void onlyWhatASuccessfulBuildReportsIsTaken() {
        assertTrue(Diagnostics.fromCache(diagnostic("error", "error: no\\n")).isEmpty(), "a fetched unit built");
        assertTrue(Diagnostics.fromCache("plain text a cache made up\n").isEmpty());
        assertTrue(Diagnostics.fromCache(diagnostic("warning", "x\\n") + "\nplain line\n").isEmpty());
        assertTrue(Diagnostics.fromCache("{\"$message_type\":\"diagnostic\",\"level\":{},\"rendered\":[]}")
                .isEmpty(), "shapes rustc never writes read as nothing, never as an exception");
        assertTrue(Diagnostics.fromCache("").isEmpty());
    }

    @Test
    void aLogLargerThanTheBoundIsRefused() {
        String line = diagnostic("warning", "x".repeat(1000) + "\\n") + "\n";
        String big = line.repeat(Diagnostics.MAX_FETCHED_LOG / line.length() + 1);
        assertTrue(Diagnostics.fromCache(big).isEmpty());
        assertFalse(Diagnostics.fromCache(line.repeat(10)).isEmpty());
    }

    @Test
    void terminalText() {
        assertTrue(TerminalText.isSafe("plain ünïcödé\n\ttext \u001b[1;31mred\u001b[0m"));
        assertFalse(TerminalText.isSafe("\u001b[?25l"));
        assertFalse(TerminalText.isSafe("\u001bc"));
        assertFalse(TerminalText.isSafe("\u0000"));
        assertFalse(TerminalText.isSafe("a\u001b[1"));
    }
}
