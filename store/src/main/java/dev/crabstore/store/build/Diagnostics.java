package dev.crabstore.store.build;

import java.util.List;

/**
 * What rustc reported for one unit ({@link Diagnostic}s in order), and what cargo says about them: how many errors and
 * warnings, leaving out rustc's own closing counts.
 */
public record Diagnostics(List<Diagnostic> all) {
    public static final Diagnostics NONE = new Diagnostics(List.of());

    public Diagnostics {
        all = List.copyOf(all);
    }

    public static Diagnostics parse(String rustcStderr) {
        return new Diagnostics(Diagnostic.parseAll(rustcStderr));
    }

    /** Longest build log accepted from a binary cache. */
    public static final int MAX_FETCHED_LOG = 1 << 20;

    /**
     * A unit's log as a binary cache served it ({@code log/<drv>}): logs are not signed, so only what a successful
     * build of that unit can have reported is taken, rustc's JSON diagnostics other than errors, and only when every
     * rendered text is plain or coloured text (no terminal control sequence but colours); anything else, or a log
     * larger than {@link #MAX_FETCHED_LOG}, gives none.
     */
    public static Diagnostics fromCache(String log) {
        if (log.length() > MAX_FETCHED_LOG) {
            return NONE;
        }
        List<Diagnostic> all = Diagnostic.parseAll(log);
        for (Diagnostic d : all) {
            if (d.isPlain() || d.isError() || d.level().isEmpty() || !TerminalText.isSafe(d.rendered())
                    || !TerminalText.isSafe(d.level()) || !TerminalText.isSafe(d.message())) {
                return NONE;
            }
        }
        return new Diagnostics(all);
    }

    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** Those cargo shows: all but rustc's closing counts. */
    public List<Diagnostic> shown() {
        return all.stream().filter(d -> !d.isSummary()).toList();
    }

    public long errors() {
        return all.stream().filter(d -> d.isError() && !d.isSummary()).count();
    }

    public long warnings() {
        return all.stream().filter(d -> d.isWarning() && !d.isSummary()).count();
    }

    public long fixable() {
        return all.stream().filter(d -> d.isFixable() && !d.isSummary()).count();
    }

    /** The rendered text of those shown, as rustc coloured it. */
    public String rendered() {
        StringBuilder sb = new StringBuilder();
        shown().forEach(d -> sb.append(d.rendered()));
        return sb.toString();
    }

    /** rustc's stderr lines as kept ({@link #parse} reads them back). */
    public String lines() {
        StringBuilder sb = new StringBuilder();
        all.forEach(d -> sb.append(d.line()).append('\n'));
        return sb.toString();
    }

    /** cargo's ending of {@code could not compile `x` (lib)}: {@code  due to 2 previous errors; 1 warning emitted}. */
    public String failureCounts() {
        long e = errors();
        long w = warnings();
        return (e == 0 ? "" : " due to " + e + " previous error" + (e == 1 ? "" : "s"))
                + (w == 0 ? "" : "; " + w + " warning" + (w == 1 ? "" : "s") + " emitted");
    }
}
