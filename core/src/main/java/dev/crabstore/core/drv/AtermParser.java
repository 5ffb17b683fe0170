package dev.crabstore.core.drv;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Parses the ATerm text of a {@code .drv} file strictly. Anything Nix would not have written is rejected with an
 * {@link InvalidDerivationException} naming the source and the character offset: truncation, unknown escapes,
 * unsorted or duplicate outputs, input derivations, sources, output names or env keys, paths outside the store dir,
 * unknown output forms, a fixed output at the wrong path, and anything after the closing parenthesis.
 */
public final class AtermParser {
    private final String text;
    private final StoreDir storeDir;
    private final String source;
    private int pos;

    private AtermParser(String text, StoreDir storeDir, String source) {
        this.text = text;
        this.storeDir = storeDir;
        this.source = source;
    }

    /**
     * @param sourceName what the text came from (a file name or a store path), used in error messages
     */
    public static Derivation parse(String text, StoreDir storeDir, String sourceName) {
        return new AtermParser(text, storeDir, sourceName).derivation();
    }

    private Derivation derivation() {
        expect("Derive(");
        TreeMap<String, DerivationOutput> outputs = new TreeMap<>(Utf8Order.INSTANCE);
        TreeMap<String, Integer> outputOffsets = new TreeMap<>(Utf8Order.INSTANCE);
        expect("[");
        String prevOut = null;
        while (!tryExpect("]")) {
            if (!outputs.isEmpty()) {
                expect(",");
            }
            int at = pos;
            expect("(");
            String id = string();
            if (prevOut != null && Utf8Order.INSTANCE.compare(prevOut, id) >= 0) {
                throw error(at, prevOut.equals(id) ? "duplicate output '" + id + "'"
                        : "output '" + id + "' is not sorted after '" + prevOut + "'");
            }
            prevOut = id;
            expect(",");
            int pathAt = pos;
            String path = string();
            expect(",");
            String algo = string();
            expect(",");
            int hashAt = pos;
            String hash = string();
            expect(")");
            outputs.put(id, output(at, id, pathAt, path, algo, hashAt, hash));
            outputOffsets.put(id, at);
        }
        expect(",[");
        TreeMap<StorePath, SortedSet<String>> inputDrvs = new TreeMap<>();
        StorePath prevDrv = null;
        while (!tryExpect("]")) {
            if (!inputDrvs.isEmpty()) {
                expect(",");
            }
            int at = pos;
            expect("(");
            StorePath p = path();
            if (prevDrv != null && prevDrv.compareTo(p) >= 0) {
                throw error(at, prevDrv.equals(p) ? "duplicate input derivation " + storeDir.print(p)
                        : "input derivation " + storeDir.print(p) + " is not sorted");
            }
            prevDrv = p;
            if (!p.isDerivation()) {
                throw error(at, "input derivation " + storeDir.print(p) + " is not a .drv path");
            }
            expect(",");
            List<String> names = stringList();
            TreeSet<String> set = new TreeSet<>(Utf8Order.INSTANCE);
            set.addAll(names);
            if (!new ArrayList<>(set).equals(names)) {
                throw error(at, "output names of input derivation " + storeDir.print(p)
                        + " are not sorted or have duplicates: " + names);
            }
            if (names.isEmpty()) {
                throw error(at, "input derivation " + storeDir.print(p) + " names no outputs");
            }
            expect(")");
            inputDrvs.put(p, set);
        }
        expect(",[");
        TreeSet<StorePath> inputSrcs = new TreeSet<>();
        StorePath prevSrc = null;
        while (!tryExpect("]")) {
            if (!inputSrcs.isEmpty()) {
                expect(",");
            }
            int at = pos;
            StorePath p = path();
            if (prevSrc != null && prevSrc.compareTo(p) >= 0) {
                throw error(at, prevSrc.equals(p) ? "duplicate input source " + storeDir.print(p)
                        : "input source " + storeDir.print(p) + " is not sorted");
            }
            prevSrc = p;
            inputSrcs.add(p);
        }
        expect(",");
        String system = string();
        expect(",");
        String builder = string();
        expect(",");
        List<String> args = stringList();
        expect(",[");
        TreeMap<String, String> env = new TreeMap<>(Utf8Order.INSTANCE);
        String prevKey = null;
        while (!tryExpect("]")) {
            if (!env.isEmpty()) {
                expect(",");
            }
            int at = pos;
            expect("(");
            String key = string();
            if (prevKey != null && Utf8Order.INSTANCE.compare(prevKey, key) >= 0) {
                throw error(at, prevKey.equals(key) ? "duplicate env key '" + key + "'"
                        : "env key '" + key + "' is not sorted after '" + prevKey + "'");
            }
            prevKey = key;
            expect(",");
            String value = string();
            expect(")");
            env.put(key, value);
        }
        expect(")");
        if (pos != text.length()) {
            throw error(pos, "unexpected text after the closing parenthesis");
        }
        Derivation d;
        try {
            d = new Derivation(outputs, inputDrvs, inputSrcs, system, builder, args, env);
        } catch (InvalidFormatException e) {
            throw new InvalidDerivationException(source + ": " + e.getMessage(), e);
        }
        if (d.isFixedOutput()) {
            DerivationOutput.Fixed fx = (DerivationOutput.Fixed) d.outputs().get("out");
            StorePath expected = DerivationHasher.expectedFixedPath(storeDir, d, fx);
            if (!expected.equals(fx.path())) {
                throw error(outputOffsets.get("out"), "fixed output has path " + storeDir.print(fx.path())
                        + ", but its content address gives " + storeDir.print(expected));
            }
        }
        // Everything Nix accepts but would not write (e.g. a raw line break in a string) ends up here.
        if (!d.render(storeDir).equals(text)) {
            throw new InvalidDerivationException(source + ": not in canonical ATerm form (raw control characters "
                    + "in strings?)");
        }
        return d;
    }

    private DerivationOutput output(int at, String id, int pathAt, String path, String algo, int hashAt,
            String hash) {
        if (algo.isEmpty()) {
            if (!hash.isEmpty()) {
                throw error(hashAt, "output '" + id + "' has a hash but no hash algorithm");
            }
            return path.isEmpty() ? new DerivationOutput.Deferred()
                    : new DerivationOutput.InputAddressed(storePath(pathAt, path));
        }
        ContentAddressMethod method = ContentAddressMethod.FLAT;
        String algoName = algo;
        if (algo.startsWith("r:")) {
            method = ContentAddressMethod.NAR;
            algoName = algo.substring(2);
        }
        HashAlgorithm ha;
        try {
            ha = HashAlgorithm.parse(algoName);
        } catch (InvalidFormatException e) {
            throw error(at, "output '" + id + "' has unknown hash algorithm '" + algo + "'");
        }
        if (hash.equals("impure")) {
            throw error(hashAt, "output '" + id + "' is impure, which crabstore does not support");
        }
        if (hash.isEmpty()) {
            if (!path.isEmpty()) {
                throw error(pathAt, "floating content-addressed output '" + id + "' must not have a path");
            }
            return new DerivationOutput.CaFloating(method, ha);
        }
        if (hash.length() != ha.base16Length() || !hash.chars().allMatch(c -> (c >= '0' && c <= '9')
                || (c >= 'a' && c <= 'f'))) {
            throw error(hashAt, "output '" + id + "' hash '" + hash + "' is not lowercase base16 " + ha);
        }
        if (path.isEmpty()) {
            throw error(pathAt, "fixed output '" + id + "' has no path");
        }
        return new DerivationOutput.Fixed(storePath(pathAt, path),
                new ContentAddress(method, Hash.parse(ha, hash)));
    }

    private StorePath path() {
        int at = pos;
        return storePath(at, string());
    }

    private StorePath storePath(int at, String s) {
        try {
            return storeDir.parsePath(s);
        } catch (InvalidFormatException e) {
            throw error(at, e.getMessage());
        }
    }

    private List<String> stringList() {
        expect("[");
        List<String> out = new ArrayList<>();
        while (!tryExpect("]")) {
            if (!out.isEmpty()) {
                expect(",");
            }
            out.add(string());
        }
        return out;
    }

    /** A quoted string; only the escapes Nix writes ({@code \" \\ \n \r \t}) are accepted. */
    private String string() {
        int start = pos;
        expect("\"");
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error(start, "unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    throw error(start, "unterminated string");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '"', '\\' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    default -> throw error(pos - 2, "unknown escape '\\" + e + "'");
                }
            } else {
                sb.append(c);
            }
        }
    }

    private void expect(String s) {
        if (!text.startsWith(s, pos)) {
            if (pos >= text.length()) {
                throw error(pos, "unexpected end of input, expected '" + s + "'");
            }
            throw error(pos, "expected '" + s + "', found '" + excerpt() + "'");
        }
        pos += s.length();
    }

    private boolean tryExpect(String s) {
        if (text.startsWith(s, pos)) {
            pos += s.length();
            return true;
        }
        return false;
    }

    private String excerpt() {
        String e = text.substring(pos, Math.min(text.length(), pos + 16));
        return e.replace("\n", "\\n");
    }

    private InvalidDerivationException error(int at, String message) {
        return new InvalidDerivationException(source + ": at offset " + at + ": " + message);
    }
}
