package dev.crabstore.planner.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates a {@code cfg(...)} expression, as in {@code [target.'cfg(unix)']}, against the lines of
 * {@code rustc --print=cfg}: {@code all(...)}, {@code any(...)}, {@code not(...)}, {@code name} and
 * {@code name = "value"}.
 */
public final class CfgExpression {
    /** Deepest nesting of {@code all}/{@code any}/{@code not} accepted; real ones nest two or three deep. */
    static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private CfgExpression(String text) {
        this.text = text;
    }

    /** Whether {@code cfg(expr)} holds; throws {@link IllegalArgumentException} for a malformed expression. */
    public static boolean matches(String cfgExpr, List<String> cfgLines) {
        String s = cfgExpr.strip();
        if (!s.startsWith("cfg(") || !s.endsWith(")")) {
            throw new IllegalArgumentException("'" + cfgExpr + "' is not a cfg(...) expression");
        }
        CfgExpression p = new CfgExpression(s.substring(4, s.length() - 1));
        boolean r = p.expr(cfgLines, 0);
        p.skipSpace();
        if (p.pos != p.text.length()) {
            throw new IllegalArgumentException("unexpected '" + p.text.substring(p.pos) + "' in " + cfgExpr);
        }
        return r;
    }

    private boolean expr(List<String> cfg, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("cfg expression nested deeper than " + MAX_DEPTH + " at offset " + pos
                    + " of '" + abbreviated() + "'");
        }
        skipSpace();
        String ident = ident();
        skipSpace();
        if (pos >= text.length()) {
            return cfg.contains(ident);
        }
        if (peek() == '(') {
            pos++;
            List<Boolean> args = new ArrayList<>();
            skipSpace();
            while (peek() != ')') {
                args.add(expr(cfg, depth + 1));
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw new IllegalArgumentException("expected ',' or ')' at offset " + pos + " of '" + text + "'");
                }
            }
            pos++;
            return switch (ident) {
                case "all" -> args.stream().allMatch(b -> b);
                case "any" -> args.stream().anyMatch(b -> b);
                case "not" -> {
                    if (args.size() != 1) {
                        throw new IllegalArgumentException("not(...) takes one argument in '" + text + "'");
                    }
                    yield !args.get(0);
                }
                default -> throw new IllegalArgumentException("unknown cfg operator '" + ident + "' in '" + text + "'");
            };
        }
        if (peek() == '=') {
            pos++;
            skipSpace();
            if (peek() != '"') {
                throw new IllegalArgumentException("expected a quoted value at offset " + pos + " of '" + text + "'");
            }
            int end = text.indexOf('"', pos + 1);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated string in '" + text + "'");
            }
            String value = text.substring(pos, end + 1);
            pos = end + 1;
            return cfg.contains(ident + "=" + value);
        }
        return cfg.contains(ident);
    }

    private String ident() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        if (start == pos) {
            throw new IllegalArgumentException("expected a name at offset " + pos + " of '" + text + "'");
        }
        return text.substring(start, pos);
    }

    private String abbreviated() {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private char peek() {
        if (pos >= text.length()) {
            throw new IllegalArgumentException("unexpected end of '" + text + "'");
        }
        return text.charAt(pos);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
