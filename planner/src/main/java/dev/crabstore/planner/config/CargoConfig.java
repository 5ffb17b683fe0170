package dev.crabstore.planner.config;

import dev.crabstore.core.InvalidFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * The parts of cargo's configuration that change what gets built, merged as cargo merges its layers (the
 * {@code --config} values, then {@code .cargo/config.toml} from the current directory up to the root, then
 * {@code $CARGO_HOME/config.toml}) and overridden by the {@code CARGO_*} environment variables cargo honours.
 * Scalars come from the highest layer; arrays are joined with higher layers last, as cargo does.
 */
public final class CargoConfig {
    private record Layer(ConfigLayer source, JsonNode root) {}

    private final List<Layer> layers; // highest priority first
    private final Map<String, String> env;

    private CargoConfig(List<Layer> layers, Map<String, String> env) {
        this.layers = layers;
        this.env = env;
    }

    /** Parses the layers, highest priority first; a layer that is not TOML is an error naming it. */
    public static CargoConfig parse(List<ConfigLayer> layers, Map<String, String> env) {
        TomlMapper toml = TomlMapper.builder().build();
        List<Layer> parsed = new ArrayList<>();
        for (ConfigLayer l : layers) {
            try {
                JsonNode root = toml.readTree(l.text());
                parsed.add(new Layer(l, root == null ? toml.createObjectNode() : root));
            } catch (JacksonException e) {
                throw new InvalidFormatException(l.origin() + ": not a valid cargo config: " + e.getOriginalMessage());
            }
        }
        return new CargoConfig(List.copyOf(parsed), Map.copyOf(env));
    }

    /** Checks the type of every setting crabstore reads, so that a bad config is reported before anything runs. */
    public CargoConfig validate() {
        stringList(new String[] {"build", "rustflags"});
        for (Layer l : layers) {
            JsonNode target = l.root().get("target");
            if (target != null && target.isObject()) {
                for (Map.Entry<String, JsonNode> e : target.properties()) {
                    stringList(new String[] {"target", e.getKey(), "rustflags"});
                    if (e.getKey().startsWith("cfg(")) {
                        try {
                            CfgExpression.matches(e.getKey(), List.of());
                        } catch (IllegalArgumentException ex) {
                            throw new InvalidFormatException(l.source().origin() + ": [target.'" + e.getKey() + "']: "
                                    + ex.getMessage());
                        }
                    } else {
                        linker(e.getKey());
                    }
                }
            }
        }
        env(Map.of());
        for (String[] k : List.of(new String[] {"build", "target"}, new String[] {"net", "offline"})) {
            for (Layer l : layers) {
                JsonNode n = at(l.root(), k);
                if (n != null && !(k[0].equals("net") ? n.isBoolean() : n.isString())) {
                    throw new InvalidFormatException(l.source().origin() + ": " + String.join(".", k) + " must be a "
                            + (k[0].equals("net") ? "boolean" : "string") + ", found " + n);
                }
            }
        }
        return this;
    }

    public static CargoConfig empty() {
        return new CargoConfig(List.of(), Map.of());
    }

    /**
     * The flags cargo passes to rustc for units built for {@code triple}, by cargo's precedence:
     * {@code CARGO_ENCODED_RUSTFLAGS}, {@code RUSTFLAGS}, the {@code target.<triple>} and matching
     * {@code target.'cfg(..)'} tables (joined), then {@code build.rustflags}.
     */
    public List<String> rustflags(String triple, List<String> cfg) {
        String encoded = env.get("CARGO_ENCODED_RUSTFLAGS");
        if (encoded != null) {
            return encoded.isEmpty() ? List.of() : List.of(encoded.split("\u001f", -1));
        }
        String plain = env.get("RUSTFLAGS");
        if (plain != null) {
            return split(plain);
        }
        List<String> fromTarget = new ArrayList<>();
        Optional<List<String>> exact = envList("CARGO_TARGET_" + envKey(triple) + "_RUSTFLAGS")
                .or(() -> stringList(new String[] {"target", triple, "rustflags"}));
        exact.ifPresent(fromTarget::addAll);
        Map<String, String> cfgTables = new TreeMap<>();
        for (Layer l : layers) {
            JsonNode target = l.root().get("target");
            if (target != null && target.isObject()) {
                for (Map.Entry<String, JsonNode> e : target.properties()) {
                    if (e.getKey().startsWith("cfg(")) {
                        cfgTables.putIfAbsent(e.getKey(), l.source().origin());
                    }
                }
            }
        }
        for (Map.Entry<String, String> e : cfgTables.entrySet()) {
            boolean match;
            try {
                match = CfgExpression.matches(e.getKey(), cfg);
            } catch (IllegalArgumentException ex) {
                throw new InvalidFormatException(e.getValue() + ": [target.'" + e.getKey() + "']: " + ex.getMessage());
            }
            if (match) {
                stringList(new String[] {"target", e.getKey(), "rustflags"}).ifPresent(fromTarget::addAll);
            }
        }
        if (exact.isPresent() || !fromTarget.isEmpty()) {
            return fromTarget;
        }
        return envList("CARGO_BUILD_RUSTFLAGS").or(() -> stringList(new String[] {"build", "rustflags"}))
                .orElse(List.of());
    }

    /** {@code target.<triple>.linker} (or {@code CARGO_TARGET_<TRIPLE>_LINKER}), a relative path resolved as cargo does. */
    public Optional<String> linker(String triple) {
        String fromEnv = env.get("CARGO_TARGET_" + envKey(triple) + "_LINKER");
        if (fromEnv != null) {
            return Optional.of(fromEnv);
        }
        for (Layer l : layers) {
            JsonNode n = at(l.root(), "target", triple, "linker");
            if (n != null) {
                if (!n.isString()) {
                    throw new InvalidFormatException(l.source().origin() + ": target." + triple
                            + ".linker must be a string, found " + n);
                }
                String v = n.asString();
                return Optional.of(v.contains("/") && !v.startsWith("/") ? l.source().baseDir() + "/" + v : v);
            }
        }
        return Optional.empty();
    }

    /**
     * The {@code [env]} table as rustc and build scripts see it: a value that is not {@code force = true} gives way to
     * the variable of the same name in cargo's own environment; {@code relative = true} resolves against the base dir.
     */
    public Map<String, String> env(Map<String, String> processEnv) {
        Map<String, String> out = new TreeMap<>();
        for (int i = layers.size() - 1; i >= 0; i--) { // lowest first, so higher layers overwrite
            Layer l = layers.get(i);
            JsonNode table = l.root().get("env");
            if (table == null) {
                continue;
            }
            if (!table.isObject()) {
                throw new InvalidFormatException(l.source().origin() + ": [env] must be a table");
            }
            for (Map.Entry<String, JsonNode> e : table.properties()) {
                String key = e.getKey();
                JsonNode v = e.getValue();
                String value;
                boolean force = false;
                if (v.isString()) {
                    value = v.asString();
                } else if (v.isObject() && v.has("value") && v.get("value").isString()) {
                    value = v.get("value").asString();
                    force = flag(l, key, v, "force");
                    if (flag(l, key, v, "relative")) {
                        value = value.startsWith("/") ? value : l.source().baseDir() + "/" + value;
                    }
                } else {
                    throw new InvalidFormatException(l.source().origin() + ": [env] " + key
                            + " must be a string or { value = \"...\", force = bool, relative = bool }, found " + v);
                }
                if (!force && processEnv.containsKey(key)) {
                    value = processEnv.get(key);
                }
                out.put(key, value);
            }
        }
        return out;
    }

    private static boolean flag(Layer l, String key, JsonNode table, String name) {
        JsonNode f = table.get(name);
        if (f == null) {
            return false;
        }
        if (!f.isBoolean()) {
            throw new InvalidFormatException(l.source().origin() + ": [env] " + key + "." + name + " must be a boolean");
        }
        return f.asBoolean();
    }

    /** {@code net.offline} or {@code CARGO_NET_OFFLINE}. */
    public boolean offline() {
        String e = env.get("CARGO_NET_OFFLINE");
        if (e != null) {
            return e.equals("true");
        }
        JsonNode n = scalar("net", "offline");
        return n != null && n.isBoolean() && n.asBoolean();
    }

    /** {@code build.target} or {@code CARGO_BUILD_TARGET}, when it names one triple. */
    public Optional<String> buildTarget() {
        String e = env.get("CARGO_BUILD_TARGET");
        if (e != null) {
            return Optional.of(e);
        }
        JsonNode n = scalar("build", "target");
        return n != null && n.isString() ? Optional.of(n.asString()) : Optional.empty();
    }

    /**
     * The name of the {@code [registries.<name>]} table whose {@code index} is {@code indexUrl} (with or without its
     * {@code sparse+}/{@code registry+} kind), which is also the name of its {@code [source.<name>]} replacement.
     */
    public Optional<String> registryNamed(String indexUrl) {
        String bare = indexUrl.replaceFirst("^(sparse|registry)\\+", "");
        for (Layer l : layers) {
            JsonNode regs = l.root().get("registries");
            if (regs == null || !regs.isObject()) {
                continue;
            }
            for (Map.Entry<String, JsonNode> e : regs.properties()) {
                JsonNode index = e.getValue().get("index");
                if (index != null && index.isString() && (index.asString().equals(indexUrl)
                        || index.asString().replaceFirst("^(sparse|registry)\\+", "").equals(bare))) {
                    return Optional.of(e.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /** The {@code [source.<name>]} table of the highest layer that has one, its string values by key. */
    public Optional<Map<String, String>> source(String name) {
        for (Layer l : layers) {
            JsonNode n = at(l.root(), "source", name);
            if (n != null) {
                if (!n.isObject()) {
                    throw new InvalidFormatException(l.source().origin() + ": [source." + name + "] must be a table");
                }
                Map<String, String> m = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    if (e.getValue().isString()) {
                        String v = e.getValue().asString();
                        boolean isPath = e.getKey().equals("local-registry") || e.getKey().equals("directory");
                        m.put(e.getKey(), isPath && !v.startsWith("/") ? l.source().baseDir() + "/" + v : v);
                    }
                }
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    private JsonNode scalar(String... keys) {
        for (Layer l : layers) {
            JsonNode n = at(l.root(), keys);
            if (n != null) {
                return n;
            }
        }
        return null;
    }

    /** A string-or-array setting: arrays of all layers joined (lowest first); a string only from the highest layer. */
    private Optional<List<String>> stringList(String[] keys) {
        List<String> joined = new ArrayList<>();
        boolean found = false;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            JsonNode n = at(l.root(), keys);
            if (n == null) {
                continue;
            }
            found = true;
            if (n.isString()) {
                joined = new ArrayList<>(split(n.asString()));
            } else if (n.isArray()) {
                for (JsonNode x : n) {
                    if (!x.isString()) {
                        throw new InvalidFormatException(l.source().origin() + ": " + String.join(".", keys)
                                + " must be a string or an array of strings, found " + n);
                    }
                    joined.add(x.asString());
                }
            } else {
                throw new InvalidFormatException(l.source().origin() + ": " + String.join(".", keys)
                        + " must be a string or an array of strings, found " + n);
            }
        }
        return found ? Optional.of(joined) : Optional.empty();
    }

    private Optional<List<String>> envList(String name) {
        return Optional.ofNullable(env.get(name)).map(CargoConfig::split);
    }

    private static JsonNode at(JsonNode root, String... keys) {
        JsonNode n = root;
        for (String k : keys) {
            if (n == null || !n.isObject()) {
                return null;
            }
            n = n.get(k);
        }
        return n;
    }

    static List<String> split(String s) {
        return Arrays.stream(s.strip().split("\\s+")).filter(x -> !x.isEmpty()).toList();
    }

    static String envKey(String triple) {
        return Objects.requireNonNull(triple).toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }
}
