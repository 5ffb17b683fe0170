package dev.crabstore.store.cargo;

import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * The custom profiles of a workspace ({@code [profile.NAME]} with {@code inherits} in the root Cargo.toml) whose
 * chain of {@code inherits} ends at {@code release}: cargo tells build scripts {@code PROFILE=release} under them.
 * Not in cargo's unit graph, which names only the profile.
 */
final class ProfileRoots {
    private static final TomlMapper TOML = TomlMapper.builder().build();

    private ProfileRoots() {}

    static Set<String> releaseLike(Path workspaceManifest) {
        JsonNode profiles;
        try {
            profiles = TOML.readTree(Files.readString(workspaceManifest)).get("profile");
        } catch (IOException | tools.jackson.core.JacksonException e) {
            throw new StoreIOException("cannot read " + workspaceManifest + " for its profiles", e);
        }
        if (profiles == null || !profiles.isObject()) {
            return Set.of();
        }
        Map<String, String> inherits = new HashMap<>();
        profiles.properties().forEach(p -> {
            JsonNode i = p.getValue().get("inherits");
            if (i != null && i.isString()) {
                inherits.put(p.getKey(), i.asString());
            }
        });
        Set<String> out = new HashSet<>();
        for (String name : inherits.keySet()) {
            String at = name;
            Set<String> seen = new HashSet<>();
            while (inherits.containsKey(at) && seen.add(at)) { // cargo refuses cycles before we get here
                at = inherits.get(at);
            }
            if (at.equals("release") || at.equals("bench")) {
                out.add(name);
            }
        }
        return out;
    }
}
