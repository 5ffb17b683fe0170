package dev.crabstore.planner.unit;

import dev.crabstore.core.InvalidFormatException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * A package's {@code [lints]} (or the workspace's {@code [workspace.lints]} with {@code lints.workspace = true}) as
 * the rustc flags cargo passes for them: {@code --forbid=}, {@code --deny=}, {@code --warn=} or {@code --allow=} per
 * lint ({@code tool::lint} for clippy and other tools; cargo's own lints left out), sorted by priority, then by lint
 * name in reverse order as cargo sorts them, then a {@code --check-cfg} per entry of
 * {@code lints.rust.unexpected_cfgs.check-cfg}.
 */
public final class ManifestLints {
    private static final TomlMapper TOML = TomlMapper.builder().build();

    private ManifestLints() {}

    private record Flag(long priority, String name, String option) {}

    /**
     * @param manifest         the package's Cargo.toml
     * @param manifestSource   its path, for messages
     * @param workspace        the workspace root's Cargo.toml, or null when the package is the root
     * @param workspaceSource  its path, for messages
     */
    public static List<String> rustcFlags(String manifest, String manifestSource, String workspace,
            String workspaceSource) {
        JsonNode lints = read(manifest, manifestSource).get("lints");
        String source = manifestSource;
        if (lints == null || !lints.isObject()) {
            return List.of();
        }
        JsonNode inherit = lints.get("workspace");
        if (inherit != null && inherit.isBoolean() && inherit.asBoolean()) {
            JsonNode ws = read(workspace != null ? workspace : manifest, workspace != null ? workspaceSource
                    : manifestSource).get("workspace");
            source = workspace != null ? workspaceSource : manifestSource;
            lints = ws == null ? null : ws.get("lints");
            if (lints == null || !lints.isObject()) {
                throw new InvalidFormatException(manifestSource + ": lints.workspace = true, but " + source
                        + " has no [workspace.lints]");
            }
        }
        List<Flag> flags = new ArrayList<>();
        List<String> checkCfg = new ArrayList<>();
        for (Map.Entry<String, JsonNode> tool : lints.properties()) {
            if (tool.getKey().equals("workspace") || tool.getKey().equals("cargo") || !tool.getValue().isObject()) {
                continue;
            }
            for (Map.Entry<String, JsonNode> lint : tool.getValue().properties()) {
                String name = lint.getKey();
                JsonNode config = lint.getValue();
                String level;
                long priority = 0;
                if (config.isString()) {
                    level = config.asString();
                } else if (config.isObject() && config.has("level") && config.get("level").isString()) {
                    level = config.get("level").asString();
                    if (config.has("priority")) {
                        if (!config.get("priority").isIntegralNumber()) {
                            throw new InvalidFormatException(source + ": lints." + tool.getKey() + "." + name
                                    + ".priority is not an integer");
                        }
                        priority = config.get("priority").asLong();
                    }
                    JsonNode cfgs = config.get("check-cfg");
                    if (cfgs != null && tool.getKey().equals("rust") && name.equals("unexpected_cfgs")
                            && cfgs.isArray()) {
                        cfgs.forEach(c -> checkCfg.add(c.asString()));
                    }
                } else {
                    throw new InvalidFormatException(source + ": lints." + tool.getKey() + "." + name
                            + " is neither a level nor a table with a level");
                }
                if (!List.of("forbid", "deny", "warn", "allow").contains(level)) {
                    throw new InvalidFormatException(source + ": lints." + tool.getKey() + "." + name
                            + ": unknown level '" + level + "' (forbid, deny, warn or allow)");
                }
                String lintName = tool.getKey().equals("rust") ? name : tool.getKey() + "::" + name;
                flags.add(new Flag(priority, name, "--" + level + "=" + lintName));
            }
        }
        flags.sort(Comparator.comparingLong(Flag::priority).thenComparing(Flag::name, Comparator.reverseOrder())
                .thenComparing(Flag::option));
        List<String> out = new ArrayList<>();
        flags.forEach(f -> out.add(f.option()));
        for (String c : checkCfg) {
            out.add("--check-cfg");
            out.add(c);
        }
        return List.copyOf(out);
    }

    private static JsonNode read(String toml, String source) {
        try {
            return TOML.readTree(toml);
        } catch (JacksonException e) {
            throw new InvalidFormatException(source + ": not a valid manifest: " + e.getOriginalMessage(), e);
        }
    }
}
