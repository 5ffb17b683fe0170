package dev.crabstore.core.drv;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Nix's hashDerivationModulo (nix-formats.md §9): the hash that input-addressed output paths derive from. A
 * fixed-output derivation hashes to {@code sha256("fixed:out:<r:?><algo>:<hex>:<outPath>")}; any other one to the
 * sha256 of its ATerm with each input derivation replaced by the hex of that input's own modulo hash. Results for
 * input derivations are memoised in this instance, so one hasher should serve a whole graph.
 */
public final class DerivationHasher {
    private final StoreDir storeDir;
    private final Function<StorePath, Derivation> resolver;
    private final Map<StorePath, Hash> memo = new HashMap<>();
    private final Map<StorePath, Boolean> deferredMemo = new HashMap<>();
    private final Map<StorePath, Derivation> resolved = new HashMap<>();

    /**
     * @param resolver gives the derivation stored at a {@code .drv} path (the planner's in-memory map, or a store
     *     reading files); it must not return null for any input reachable from a hashed derivation
     */
    public DerivationHasher(StoreDir storeDir, Function<StorePath, Derivation> resolver) {
        this.storeDir = storeDir;
        this.resolver = resolver;
    }

    /** A hasher for derivations without input derivations, or whose inputs are all in {@code known}. */
    public static DerivationHasher of(StoreDir storeDir, Map<StorePath, Derivation> known) {
        Map<StorePath, Derivation> copy = Map.copyOf(known);
        return new DerivationHasher(storeDir, copy::get);
    }

    public StoreDir storeDir() {
        return storeDir;
    }

    /** The modulo hash of a derivation as it is (outputs and env unmasked), as used for an input derivation. */
    public Hash hashModulo(Derivation d) {
        return hashModulo(d, false);
    }

    /**
     * The modulo hash; with {@code maskOutputs} output paths and output env vars count as empty, which is how
     * output paths are derived (derivationStrict).
     */
    public Hash hashModulo(Derivation d, boolean maskOutputs) {
        if (d.isFixedOutput()) {
            DerivationOutput.Fixed fx = (DerivationOutput.Fixed) d.outputs().get("out");
            StorePath path = expectedFixedPath(storeDir, d, fx);
            return Hash.sha256("fixed:out:" + fx.methodAlgo() + ":" + fx.ca().hash().toBase16() + ":"
                    + storeDir.print(path));
        }
        TreeMap<String, SortedSet<String>> byHash = new TreeMap<>();
        for (Map.Entry<StorePath, SortedSet<String>> e : d.inputDrvs().entrySet()) {
            String hex = hashModulo(e.getKey()).toBase16();
            byHash.computeIfAbsent(hex, k -> new TreeSet<>(Utf8Order.INSTANCE)).addAll(e.getValue());
        }
        String aterm = AtermWriter.write(d, storeDir, maskOutputs, byHash);
        return Hash.sha256(aterm.getBytes(StandardCharsets.UTF_8));
    }

    /** The modulo hash of the derivation stored at {@code drvPath}, memoised. */
    public Hash hashModulo(StorePath drvPath) {
        Hash h = memo.get(drvPath);
        if (h != null) {
            return h;
        }
        h = hashModulo(resolve(drvPath), false);
        memo.put(drvPath, h);
        return h;
    }

    /**
     * True when the derivation's output paths cannot be known before building: it has floating content-addressed
     * (or deferred) outputs, or depends, directly or not, on such a derivation. Nix then leaves the outputs of a
     * would-be input-addressed derivation deferred.
     */
    public boolean isDeferred(Derivation d) {
        DerivationOutput first = d.outputs().values().iterator().next();
        if (first instanceof DerivationOutput.Fixed) {
            return false;
        }
        if (first instanceof DerivationOutput.CaFloating || first instanceof DerivationOutput.Deferred) {
            return true;
        }
        return dependsOnDeferred(d);
    }

    /** True when some input derivation is {@linkplain #isDeferred(Derivation) deferred}. */
    public boolean dependsOnDeferred(Derivation d) {
        for (StorePath input : d.inputDrvs().keySet()) {
            Boolean known = deferredMemo.get(input);
            if (known == null) {
                known = isDeferred(resolve(input));
                deferredMemo.put(input, known);
            }
            if (known) {
                return true;
            }
        }
        return false;
    }

    /** Asks the resolver at most once per path (it may read files). */
    private Derivation resolve(StorePath drvPath) {
        Derivation d = resolved.get(drvPath);
        if (d != null) {
            return d;
        }
        d = resolver.apply(drvPath);
        if (d == null) {
            throw new InvalidDerivationException("input derivation " + storeDir.print(drvPath)
                    + " is unknown to the hasher's resolver");
        }
        resolved.put(drvPath, d);
        return d;
    }

    /** The path a fixed output must have: computed from its content address and the derivation name. */
    static StorePath expectedFixedPath(StoreDir storeDir, Derivation d, DerivationOutput.Fixed fx) {
        return storeDir.makeFixedOutputPath(d.outputPathName("out"), fx.ca(), List.of(), false);
    }
}
