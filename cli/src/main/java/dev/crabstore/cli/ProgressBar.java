package dev.crabstore.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * cargo's live status line on a terminal: {@code Building [=====>    ] 12/35 (4 fetched, 1.2 MiB): serde, syn} (units
 * done of all, how many of them came from binary caches and how much was downloaded, what runs), redrawn in place (at
 * most ten times a second) below the normal output lines, and erased at the end. Off when standard error is not a
 * terminal, unless {@code CRABSTORE_PROGRESS=always} (or {@code never} to turn it off).
 */
final class ProgressBar {
    private static final int WIDTH = 25;
    private final PrintStream err;
    private final boolean enabled;
    /** What runs now, one entry per unit (two units of one crate are two entries, shown once). */
    private final java.util.List<String> running = new java.util.ArrayList<>();
    private int total;
    private int done;
    private int fetched;
    private long fetchedBytes;
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintStream err, Map<String, String> env) {
        this.err = err;
        String mode = env.getOrDefault("CRABSTORE_PROGRESS", "auto");
        this.enabled = mode.equals("always") || (mode.equals("auto") && stderrIsTerminal(env));
    }

    private static boolean stderrIsTerminal(Map<String, String> env) {
        if ("dumb".equals(env.get("TERM")) || env.containsKey("CI")) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false;
        }
    }

    synchronized void total(int units) {
        total = units;
    }

    synchronized void started(String what) {
        running.add(what);
        draw(false);
    }

    synchronized void finished(String what) {
        running.remove(what);
        done++;
        draw(false);
    }

    /** One unit's outputs came from a binary cache ({@code bytes} downloaded): counted on the status line. */
    synchronized void fetched(long bytes) {
        fetched++;
        fetchedBytes += bytes;
    }

    /** Prints a normal output line above the status line. */
    synchronized void println(String line) {
        erase();
        err.println(line);
        draw(true);
    }

    synchronized void print(String text) {
        erase();
        err.print(text);
        draw(true);
    }

    /** Removes the status line for good. */
    synchronized void close() {
        erase();
        running.clear();
        total = 0;
    }

    private void erase() {
        if (drawn) {
            err.print("\r\u001b[K");
            drawn = false;
        }
    }

    private void draw(boolean force) {
        if (!enabled || total == 0) {
            return;
        }
        long now = System.nanoTime();
        if (!force && drawn && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        int shown = Math.min(done, total);
        int filled = total == 0 ? 0 : shown * WIDTH / total;
        StringBuilder sb = new StringBuilder("\r\u001b[K    Building [");
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        sb.append("] ").append(shown).append('/').append(total);
        if (fetched > 0) {
            sb.append(" (").append(fetched).append(" fetched, ").append(BuildCommand.humanBytes(fetchedBytes))
                    .append(')');
        }
        if (!running.isEmpty()) {
            sb.append(": ").append(String.join(", ", new LinkedHashSet<>(running)));
        }
        String line = sb.length() > 100 ? sb.substring(0, 97) + "..." : sb.toString();
        err.print(line);
        err.flush();
        drawn = true;
    }
}
