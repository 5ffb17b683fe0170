package dev.crabstore.core.drv;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A Nix derivation, field for field as the ATerm holds it (nix-formats.md §9). Collections are copied into sorted,
 * unmodifiable ones: output names, inputDrv output names and env keys sorted by UTF-8 bytes, store paths by base
 * name. Build one with {@link #newBuilder()}; {@link #render(StoreDir)} gives the {@code .drv} text.
 */
public record Derivation(
        SortedMap<String, DerivationOutput> outputs,
        SortedMap<StorePath, SortedSet<String>> inputDrvs,
        SortedSet<StorePath> inputSrcs,
        String system,
        String builder,
        List<String> args,
        SortedMap<String, String> env) {

    public Derivation {
        if (outputs == null || inputDrvs == null || inputSrcs == null || system == null || builder == null
                || args == null || env == null) {
            throw new InvalidDerivationException("derivation fields must not be null");
        }
        TreeMap<String, String> envCopy = new TreeMap<>(Utf8Order.INSTANCE);
        env.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new InvalidDerivationException("derivation env has a null key or value");
            }
            envCopy.put(k, v);
        });
        String name = envCopy.get("name");
        if (name == null) {
            throw new InvalidDerivationException("derivation env has no 'name'");
        }
        try {
            StorePath.validateName(name);
        } catch (InvalidFormatException e) {
            throw new InvalidDerivationException("derivation name is invalid: " + e.getMessage(), e);
        }
        if (outputs.isEmpty()) {
            throw new InvalidDerivationException("derivation '" + name + "' has no outputs");
        }
        TreeMap<String, DerivationOutput> outCopy = new TreeMap<>(Utf8Order.INSTANCE);
        Class<?> kind = null;
        for (Map.Entry<String, DerivationOutput> e : outputs.entrySet()) {
            validateOutputName(name, e.getKey());
            if (e.getValue() == null) {
                throw new InvalidDerivationException("derivation '" + name + "' output '" + e.getKey() + "' is null");
            }
            if (kind != null && kind != e.getValue().getClass()) {
                throw new InvalidDerivationException("derivation '" + name + "' mixes output kinds ("
                        + kind.getSimpleName() + " and " + e.getValue().getClass().getSimpleName() + ")");
            }
            kind = e.getValue().getClass();
            outCopy.put(e.getKey(), e.getValue());
        }
        if (kind == DerivationOutput.Fixed.class && (outCopy.size() != 1 || !outCopy.containsKey("out"))) {
            throw new InvalidDerivationException("fixed-output derivation '" + name
                    + "' must have exactly one output, named 'out'");
        }
        TreeMap<StorePath, SortedSet<String>> drvCopy = new TreeMap<>();
        for (Map.Entry<StorePath, SortedSet<String>> e : inputDrvs.entrySet()) {
            StorePath p = e.getKey();
            if (p == null || !p.isDerivation()) {
                throw new InvalidDerivationException("derivation '" + name + "' input derivation '" + p
                        + "' is not a .drv path");
            }
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw new InvalidDerivationException("derivation '" + name + "' uses no output of input " + p);
            }
            TreeSet<String> outs = new TreeSet<>(Utf8Order.INSTANCE);
            for (String o : e.getValue()) {
                validateOutputName(name, o);
                outs.add(o);
            }
            drvCopy.put(p, Collections.unmodifiableSortedSet(outs));
        }
        TreeSet<StorePath> srcCopy = new TreeSet<>();
        for (StorePath p : inputSrcs) {
            if (p == null) {
                throw new InvalidDerivationException("derivation '" + name + "' has a null input source");
            }
            srcCopy.add(p);
        }
        // system is written without escaping, so it must not contain what would need it.
        if (containsEscapable(system)) {
            throw new InvalidDerivationException("derivation '" + name + "' system '" + system
                    + "' contains a quote, backslash, tab or line break");
        }
        List<String> argsCopy = new ArrayList<>(args.size());
        for (String a : args) {
            if (a == null) {
                throw new InvalidDerivationException("derivation '" + name + "' has a null argument");
            }
            argsCopy.add(a);
        }
        outputs = Collections.unmodifiableSortedMap(outCopy);
        inputDrvs = Collections.unmodifiableSortedMap(drvCopy);
        inputSrcs = Collections.unmodifiableSortedSet(srcCopy);
        args = List.copyOf(argsCopy);
        env = Collections.unmodifiableSortedMap(envCopy);
    }

    private static void validateOutputName(String drvName, String outputName) {
        if (outputName == null) {
            throw new InvalidDerivationException("derivation '" + drvName + "' has a null output name");
        }
        if (outputName.equals("drv")) {
            throw new InvalidDerivationException("derivation '" + drvName + "' has an output named 'drv'");
        }
        try {
            StorePath.validateName(outputName);
        } catch (InvalidFormatException e) {
            throw new InvalidDerivationException("derivation '" + drvName + "' output name is invalid: "
                    + e.getMessage(), e);
        }
    }

    static boolean containsEscapable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
                return true;
            }
        }
        return false;
    }

    /** The derivation's name, from env {@code name}. */
    public String name() {
        return env.get("name");
    }

    /** {@code <name>} for output {@code out}, {@code <name>-<output>} otherwise. */
    public String outputPathName(String outputName) {
        return outputPathName(name(), outputName);
    }

    public static String outputPathName(String drvName, String outputName) {
        return outputName.equals("out") ? drvName : drvName + "-" + outputName;
    }

    /** True when the (single) output is fixed: its path depends only on the content hash. */
    public boolean isFixedOutput() {
        return outputs.values().iterator().next() instanceof DerivationOutput.Fixed;
    }

    /** The ATerm text ({@code Derive(…)}), exactly as Nix writes it. */
    public String render(StoreDir storeDir) {
        return AtermWriter.write(this, storeDir);
    }

    /** The {@code .drv} file's own store path: a text path with references inputSrcs ∪ inputDrvs. */
    public StorePath drvPath(StoreDir storeDir) {
        return drvPath(storeDir, render(storeDir));
    }

    /** As {@link #drvPath(StoreDir)}, reusing an already rendered ATerm. */
    public StorePath drvPath(StoreDir storeDir, String aterm) {
        return storeDir.makeTextPath(name() + ".drv", Hash.sha256(aterm.getBytes(StandardCharsets.UTF_8)),
                references());
    }

    /** The references of the {@code .drv} file: inputSrcs ∪ inputDrvs (output paths are not references). */
    public SortedSet<StorePath> references() {
        TreeSet<StorePath> refs = new TreeSet<>(inputSrcs);
        refs.addAll(inputDrvs.keySet());
        return Collections.unmodifiableSortedSet(refs);
    }

    /** Output name to path, for outputs whose path is known. */
    public SortedMap<String, StorePath> outputPaths() {
        TreeMap<String, StorePath> m = new TreeMap<>(Utf8Order.INSTANCE);
        outputs.forEach((k, v) -> {
            if (v.pathOrNull() != null) {
                m.put(k, v.pathOrNull());
            }
        });
        return Collections.unmodifiableSortedMap(m);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.outputs.putAll(outputs);
        inputDrvs.forEach((k, v) -> b.inputDrvs.put(k, new TreeSet<>(v)));
        b.inputSrcs.addAll(inputSrcs);
        b.system = system;
        b.builder = builder;
        b.args.addAll(args);
        b.env.putAll(env);
        return b;
    }

    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * Collects the parts of a derivation the way {@code derivation { … }} takes attributes: {@code name},
     * {@code system} and {@code builder} also land in the env, {@link #outputs(String...)} also sets env
     * {@code outputs}. Finish with {@link #build()} (outputs as given), {@link #buildInputAddressed} or
     * {@link #buildFixedOutput}.
     */
    public static final class Builder {
        private final Map<String, DerivationOutput> outputs = new LinkedHashMap<>();
        private final Map<StorePath, SortedSet<String>> inputDrvs = new TreeMap<>();
        private final SortedSet<StorePath> inputSrcs = new TreeSet<>();
        private String system;
        private String builder;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new TreeMap<>(Utf8Order.INSTANCE);

        private Builder() {}

        public Builder name(String name) {
            env.put("name", name);
            return this;
        }

        public Builder system(String system) {
            this.system = system;
            env.put("system", system);
            return this;
        }

        public Builder builder(String builder) {
            this.builder = builder;
            env.put("builder", builder);
            return this;
        }

        public Builder args(String... args) {
            return args(List.of(args));
        }

        public Builder args(Collection<String> args) {
            this.args.addAll(args);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder env(Map<String, String> entries) {
            env.putAll(entries);
            return this;
        }

        /** Names the outputs explicitly (as the {@code outputs} attribute does): env {@code outputs} = space-joined. */
        public Builder outputs(String... names) {
            outputs.clear();
            for (String n : names) {
                outputs.put(n, new DerivationOutput.Deferred());
            }
            env.put("outputs", String.join(" ", names));
            return this;
        }

        /** Sets one output as is, without touching env. */
        public Builder output(String name, DerivationOutput output) {
            outputs.put(name, output);
            return this;
        }

        public Builder inputDrv(StorePath drv, String... outputNames) {
            return inputDrv(drv, List.of(outputNames));
        }

        public Builder inputDrv(StorePath drv, Collection<String> outputNames) {
            inputDrvs.computeIfAbsent(drv, k -> new TreeSet<>(Utf8Order.INSTANCE)).addAll(outputNames);
            return this;
        }

        public Builder inputSrc(StorePath src) {
            inputSrcs.add(src);
            return this;
        }

        /** The derivation exactly as collected; an output {@code out} (deferred) is added when none was named. */
        public Derivation build() {
            TreeMap<String, DerivationOutput> outs = new TreeMap<>(Utf8Order.INSTANCE);
            outs.putAll(outputs);
            if (outs.isEmpty()) {
                outs.put("out", new DerivationOutput.Deferred());
            }
            return new Derivation(outs, new TreeMap<>(inputDrvs), inputSrcs, require(system, "system"),
                    require(builder, "builder"), args, new TreeMap<>(env));
        }

        /** Computes every output's input-addressed path (hashDerivationModulo) and fills outputs and env. */
        public Derivation buildInputAddressed(DerivationHasher hasher) {
            return OutputPaths.inputAddressed(build(), hasher);
        }

        /**
         * A fixed-output derivation with the single output {@code out}; env {@code outputHash} (Nix32, unless set),
         * {@code outputHashAlgo} and {@code outputHashMode} are added unless already present.
         */
        public Derivation buildFixedOutput(StoreDir storeDir, ContentAddress ca) {
            return OutputPaths.fixedOutput(build(), storeDir, ca);
        }

        /** Floating content-addressed outputs (experimental in Nix); their env vars hold placeholders. */
        public Derivation buildFloating(ContentAddressMethod method, HashAlgorithm algorithm) {
            return OutputPaths.floating(build(), method, algorithm);
        }

        private String require(String v, String what) {
            if (v == null) {
                throw new InvalidDerivationException("derivation '" + env.get("name") + "' has no " + what);
            }
            return v;
        }
    }
}
