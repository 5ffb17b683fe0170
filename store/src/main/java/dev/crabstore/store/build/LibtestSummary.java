package dev.crabstore.store.build;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The counts of libtest's last line, {@code test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered
 * out; finished in 0.01s}. A harness without libtest ({@code harness = false}) prints none.
 */
public record LibtestSummary(boolean ok, int passed, int failed, int ignored, int measured, int filteredOut) {
    private static final Pattern LINE = Pattern.compile("^test result: (ok|FAILED)\\. (\\d+) passed; (\\d+) failed; "
            + "(\\d+) ignored; (\\d+) measured; (\\d+) filtered out", Pattern.MULTILINE);

    /** The last summary line of a harness's stdout, if it has one. */
    public static Optional<LibtestSummary> parse(String stdout) {
        Matcher m = LINE.matcher(stdout);
        LibtestSummary last = null;
        while (m.find()) {
            last = new LibtestSummary(m.group(1).equals("ok"), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)));
        }
        return Optional.ofNullable(last);
    }
}
