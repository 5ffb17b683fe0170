package dev.crabstore.core.drv;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Fills in output paths the way Nix's derivationStrict does, and checks them the way Nix re-checks a {@code .drv}
 * it registers (checkDerivationOutputs).
 */
public final class OutputPaths {
    private OutputPaths() {}

    /**
     * Input-addressed outputs from a draft: every output is masked to {@code (id,"","","")} and every env var named
     * after an output to {@code ""}; the masked derivation's hashDerivationModulo gives each output's path, which
     * then goes into the outputs and the env.
     */
    public static Derivation inputAddressed(Derivation draft, DerivationHasher hasher) {
        StoreDir storeDir = hasher.storeDir();
        Derivation masked = masked(draft);
        if (hasher.dependsOnDeferred(masked)) {
            // As Nix: an input with floating CA outputs makes every output deferred (env value stays "").
            return masked;
        }
        Hash h = hasher.hashModulo(masked, true);
        Derivation.Builder b = masked.toBuilder();
        for (String id : masked.outputs().keySet()) {
            StorePath p = storeDir.makeOutputPath(id, h, masked.outputPathName(id));
            b.output(id, new DerivationOutput.InputAddressed(p));
            b.env(id, storeDir.print(p));
        }
        return b.build();
    }

    private static Derivation masked(Derivation draft) {
        Derivation.Builder b = draft.toBuilder();
        for (Map.Entry<String, DerivationOutput> e : draft.outputs().entrySet()) {
            if (!(e.getValue() instanceof DerivationOutput.Deferred
                    || e.getValue() instanceof DerivationOutput.InputAddressed)) {
                throw new InvalidDerivationException("derivation '" + draft.name() + "' output '" + e.getKey()
                        + "' is " + e.getValue().getClass().getSimpleName() + ", not input-addressed");
            }
            b.output(e.getKey(), new DerivationOutput.Deferred());
            b.env(e.getKey(), "");
        }
        return b.build();
    }

    /**
     * A fixed-output derivation: the single output {@code out} at {@code makeFixedOutputPath(name, ca)}, env
     * {@code out} set to it, and env {@code outputHash} (Nix32), {@code outputHashAlgo}, {@code outputHashMode}
     * added unless the draft already has them.
     */
    public static Derivation fixedOutput(Derivation draft, StoreDir storeDir, ContentAddress ca) {
        if (draft.outputs().size() != 1 || !draft.outputs().containsKey("out")) {
            throw new InvalidDerivationException("fixed-output derivation '" + draft.name()
                    + "' must have exactly one output, named 'out'");
        }
        if (ca.method() == ContentAddressMethod.TEXT) {
            throw new InvalidDerivationException("fixed-output derivation '" + draft.name()
                    + "' cannot use text hashing");
        }
        StorePath p = storeDir.makeFixedOutputPath(draft.outputPathName("out"), ca, java.util.List.of(), false);
        Derivation.Builder b = draft.toBuilder().output("out", new DerivationOutput.Fixed(p, ca)).env("out",
                storeDir.print(p));
        SortedMap<String, String> env = draft.env();
        if (!env.containsKey("outputHash")) {
            b.env("outputHash", ca.hash().toNix32());
        }
        if (!env.containsKey("outputHashAlgo")) {
            b.env("outputHashAlgo", ca.hash().algorithm().nixName());
        }
        if (!env.containsKey("outputHashMode")) {
            b.env("outputHashMode", ca.method() == ContentAddressMethod.NAR ? "recursive" : "flat");
        }
        return b.build();
    }

    /**
     * A floating content-addressed derivation (Nix's experimental {@code __contentAddressed}): each output is
     * {@code (id,"","<r:?><algo>","")} and its env var holds {@link #hashPlaceholder}; env {@code outputHashMode}
     * and {@code outputHashAlgo} are added unless present.
     */
    public static Derivation floating(Derivation draft, ContentAddressMethod method, HashAlgorithm algorithm) {
        Derivation.Builder b = draft.toBuilder();
        for (String id : draft.outputs().keySet()) {
            b.output(id, new DerivationOutput.CaFloating(method, algorithm));
            b.env(id, hashPlaceholder(id));
        }
        if (!draft.env().containsKey("outputHashMode")) {
            b.env("outputHashMode", method == ContentAddressMethod.NAR ? "recursive" : "flat");
        }
        if (!draft.env().containsKey("outputHashAlgo")) {
            b.env("outputHashAlgo", algorithm.nixName());
        }
        return b.build();
    }

    /**
     * Checks that every output path is the one Nix would compute, and that the env var named after each output
     * holds it; throws {@link InvalidDerivationException} naming the first wrong output. Floating and deferred
     * outputs have no path to check.
     */
    public static void verify(Derivation d, DerivationHasher hasher, String sourceName) {
        StoreDir storeDir = hasher.storeDir();
        TreeMap<String, StorePath> expected = new TreeMap<>(Utf8Order.INSTANCE);
        if (d.isFixedOutput()) {
            expected.put("out", DerivationHasher.expectedFixedPath(storeDir, d,
                    (DerivationOutput.Fixed) d.outputs().get("out")));
        } else if (d.outputs().values().iterator().next() instanceof DerivationOutput.InputAddressed) {
            Hash h = hasher.hashModulo(d, true);
            for (String id : d.outputs().keySet()) {
                expected.put(id, storeDir.makeOutputPath(id, h, d.outputPathName(id)));
            }
        }
        for (Map.Entry<String, StorePath> e : expected.entrySet()) {
            StorePath actual = d.outputs().get(e.getKey()).pathOrNull();
            if (!e.getValue().equals(actual)) {
                throw new InvalidDerivationException(sourceName + ": output '" + e.getKey() + "' has path "
                        + storeDir.print(actual) + ", should be " + storeDir.print(e.getValue()));
            }
            String envValue = d.env().get(e.getKey());
            if (!storeDir.print(actual).equals(envValue)) {
                throw new InvalidDerivationException(sourceName + ": env '" + e.getKey() + "' is '" + envValue
                        + "', should be the output path " + storeDir.print(actual));
            }
        }
    }

    /**
     * The placeholder for an output whose path is not known before the build:
     * {@code "/" + nix32(sha256("nix-output:" + outputName))}.
     */
    public static String hashPlaceholder(String outputName) {
        return "/" + Hash.sha256("nix-output:" + outputName).toNix32();
    }

    /**
     * The placeholder for an output of an input derivation whose path is not known yet (floating CA or deferred):
     * {@code "/" + nix32(sha256("nix-upstream-output:" + drvHashPart + ":" + outputPathName))}.
     */
    public static String upstreamPlaceholder(StorePath drvPath, String outputName) {
        if (!drvPath.isDerivation()) {
            throw new InvalidDerivationException(drvPath + " is not a .drv path");
        }
        String drvName = drvPath.name().substring(0, drvPath.name().length() - ".drv".length());
        return "/" + Hash.sha256("nix-upstream-output:" + drvPath.hashPart() + ":"
                + Derivation.outputPathName(drvName, outputName)).toNix32();
    }
}
