package dev.crabstore.core.drv;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * Writes the ATerm form of a derivation byte for byte as Nix 2.8 does: no spaces, no trailing newline; builder,
 * args and env escaped ({@code " \ LF CR TAB}); output names, paths, hash fields and system written verbatim.
 */
public final class AtermWriter {
    private AtermWriter() {}

    public static String write(Derivation d, StoreDir storeDir) {
        return write(d, storeDir, false, null);
    }

    /**
     * The general form used by hashDerivationModulo: with {@code maskOutputs} output paths and the env vars named
     * after outputs are written empty; {@code inputDrvsByHash} (hex modulo hash to output names, sorted by the
     * hex) replaces the inputDrvs when not null.
     */
    static String write(Derivation d, StoreDir storeDir, boolean maskOutputs,
            SortedMap<String, SortedSet<String>> inputDrvsByHash) {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("Derive([");
        boolean first = true;
        for (Map.Entry<String, DerivationOutput> e : d.outputs().entrySet()) {
            first = comma(sb, first);
            sb.append('(');
            unquoted(sb, e.getKey());
            String[] f = outputFields(d, storeDir, e.getValue(), maskOutputs);
            for (String s : f) {
                sb.append(',');
                unquoted(sb, s);
            }
            sb.append(')');
        }
        sb.append("],[");
        first = true;
        if (inputDrvsByHash != null) {
            for (Map.Entry<String, SortedSet<String>> e : inputDrvsByHash.entrySet()) {
                first = comma(sb, first);
                sb.append('(');
                unquoted(sb, e.getKey());
                sb.append(',');
                unquotedList(sb, e.getValue());
                sb.append(')');
            }
        } else {
            for (Map.Entry<StorePath, SortedSet<String>> e : d.inputDrvs().entrySet()) {
                first = comma(sb, first);
                sb.append('(');
                unquoted(sb, storeDir.print(e.getKey()));
                sb.append(',');
                unquotedList(sb, e.getValue());
                sb.append(')');
            }
        }
        sb.append("],[");
        first = true;
        for (StorePath p : d.inputSrcs()) {
            first = comma(sb, first);
            unquoted(sb, storeDir.print(p));
        }
        sb.append("],");
        unquoted(sb, d.system());
        sb.append(',');
        escaped(sb, d.builder());
        sb.append(",[");
        first = true;
        for (String a : d.args()) {
            first = comma(sb, first);
            escaped(sb, a);
        }
        sb.append("],[");
        first = true;
        for (Map.Entry<String, String> e : d.env().entrySet()) {
            first = comma(sb, first);
            sb.append('(');
            escaped(sb, e.getKey());
            sb.append(',');
            escaped(sb, maskOutputs && d.outputs().containsKey(e.getKey()) ? "" : e.getValue());
            sb.append(')');
        }
        sb.append("])");
        return sb.toString();
    }

    private static String[] outputFields(Derivation d, StoreDir storeDir, DerivationOutput o, boolean mask) {
        if (o instanceof DerivationOutput.InputAddressed ia) {
            return new String[] {mask ? "" : storeDir.print(ia.path()), "", ""};
        }
        if (o instanceof DerivationOutput.Fixed fx) {
            return new String[] {mask ? "" : storeDir.print(fx.path()), fx.methodAlgo(), fx.ca().hash().toBase16()};
        }
        if (o instanceof DerivationOutput.CaFloating ca) {
            return new String[] {"", ca.methodAlgo(), ""};
        }
        return new String[] {"", "", ""};
    }

    private static boolean comma(StringBuilder sb, boolean first) {
        if (!first) {
            sb.append(',');
        }
        return false;
    }

    private static void unquoted(StringBuilder sb, String s) {
        sb.append('"').append(s).append('"');
    }

    private static void unquotedList(StringBuilder sb, Collection<String> items) {
        sb.append('[');
        boolean first = true;
        for (String s : items) {
            first = comma(sb, first);
            unquoted(sb, s);
        }
        sb.append(']');
    }

    /** Nix's printString: only {@code " \ LF CR TAB} are escaped, everything else (non-ASCII too) is verbatim. */
    static void escaped(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        sb.append('"');
    }
}
