package dev.crabstore.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;

/**
 * The option or command a mistyped word most likely meant. picocli's own suggestions compare letter pairs, so they
 * miss the commonest typo, two swapped letters ({@code --tset}); this uses the edit distance with transpositions, as
 * cargo (clap) suggests.
 */
final class DidYouMean {
    private DidYouMean() {}

    /** The names of {@code cmd}'s options (for a word starting with '-') or subcommands closest to {@code word}. */
    static List<String> suggest(CommandLine cmd, String word) {
        String w = word.contains("=") && word.startsWith("-") ? word.substring(0, word.indexOf('=')) : word;
        Collection<String> names = new ArrayList<>();
        if (w.startsWith("-")) {
            cmd.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
        } else {
            names.addAll(cmd.getSubcommands().keySet());
        }
        int limit = Math.max(1, w.replaceFirst("^-+", "").length() / 3);
        int best = Integer.MAX_VALUE;
        List<String> closest = new ArrayList<>();
        for (String n : names) {
            int d = distance(w, n);
            if (d > limit || d > best) {
                continue;
            }
            if (d < best) {
                best = d;
                closest.clear();
            }
            closest.add(n);
        }
        return closest;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
