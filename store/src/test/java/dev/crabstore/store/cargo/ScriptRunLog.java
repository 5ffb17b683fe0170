package dev.crabstore.store.cargo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Build-script runs from {@code cargo build -vv}: lines {@code Running `K=V ... /path/build-script-build`}. */
final class ScriptRunLog {
    private ScriptRunLog() {}

    static List<CargoOracle.Recorded> parse(String log) {
        List<CargoOracle.Recorded> runs = new ArrayList<>();
        int from = 0;
        while (true) {
            int at = log.indexOf("Running `", from);
            if (at < 0) {
                break;
            }
            // Values (descriptions) may span lines and hold backticks inside quotes: split up to an unquoted '`'.
            int[] end = new int[1];
            List<String> words = shellWords(log, at + 9, end);
            from = end[0] + 1;
            if (words.isEmpty() || !words.get(words.size() - 1).matches(".*/build-script-[^/]*")) {
                continue;
            }
            Map<String, String> env = new TreeMap<>();
            for (String w : words.subList(0, words.size() - 1)) {
                int eq = w.indexOf('=');
                if (eq > 0) {
                    env.put(w.substring(0, eq), w.substring(eq + 1));
                }
            }
            runs.add(new CargoOracle.Recorded(List.of(words.get(words.size() - 1)), env, ""));
        }
        return runs;
    }

    /** POSIX-style word splitting for what cargo prints (single quotes, double quotes, backslashes). */
    static List<String> shellWords(String s, int start, int[] endOut) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        int i = start;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '`') {
                break;
            }
            if (c == '\'' ) {
                int end = s.indexOf('\'', i + 1);
                cur.append(s, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                int j = i + 1;
                while (s.charAt(j) != '"') {
                    if (s.charAt(j) == '\\') {
                        j++;
                    }
                    cur.append(s.charAt(j));
                    j++;
                }
                i = j;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                inWord = true;
            } else if (c == ' ' || c == '\n') {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        endOut[0] = i;
        return words;
    }
}
