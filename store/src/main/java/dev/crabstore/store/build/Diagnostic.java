package dev.crabstore.store.build;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One thing rustc reported on stderr: a diagnostic as rustc's own JSON ({@code --error-format=json}; {@code json} is
 * that line, {@code rendered} its human form with rustc's colours), or a line rustc printed as plain text (an internal
 * compiler error's backtrace, a linker's chatter): {@code json} null, {@code rendered} the line.
 */
public record Diagnostic(String json, String level, String message, String rendered) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** rustc's stderr: its diagnostics and plain lines, in order; artifact and future-incompat notices left out. */
    public static List<Diagnostic> parseAll(String stderr) {
        List<Diagnostic> out = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.startsWith("{")) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (RuntimeException e) {
                    n = null; // not JSON after all
                }
                if (n != null && n.isObject()) {
                    if (text(n, "$message_type").equals("diagnostic")) {
                        out.add(new Diagnostic(line, text(n, "level"), text(n, "message"), text(n, "rendered")));
                    }
                    continue;
                }
            }
            if (!line.isEmpty()) {
                out.add(new Diagnostic(null, "", line, line + "\n"));
            }
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isValueNode() ? "" : v.asString(); // an object where a string belongs reads as none
    }

    /** The line this was on rustc's stderr (what {@link #parseAll} reads back). */
    public String line() {
        return json != null ? json : message;
    }

    public boolean isPlain() {
        return json == null;
    }

    public boolean isError() {
        return json != null && (level.equals("error") || level.startsWith("error: internal compiler error"));
    }

    public boolean isWarning() {
        return json != null && level.equals("warning");
    }

    /**
     * rustc's closing count ({@code aborting due to 2 previous errors}, {@code 3 warnings emitted}), which cargo leaves
     * out and replaces with its own line about the unit.
     */
    public boolean isSummary() {
        return json != null && (message.startsWith("aborting due to") || message.endsWith("warning emitted")
                || message.endsWith("warnings emitted"));
    }

    /** A warning with a suggestion rustc marks machine-applicable: one {@code cargo fix} would apply. */
    public boolean isFixable() {
        return isWarning() && json.contains("\"suggestion_applicability\":\"MachineApplicable\"");
    }
}
