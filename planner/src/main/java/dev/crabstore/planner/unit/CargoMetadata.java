package dev.crabstore.planner.unit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/** The parts of {@code cargo metadata --format-version 1} the planner needs, packages keyed by package id. */
public record CargoMetadata(Map<String, MetadataPackage> packages, List<String> workspaceMembers,
        String workspaceRoot, String targetDirectory) {
    public CargoMetadata {
        packages = Map.copyOf(packages);
        workspaceMembers = List.copyOf(workspaceMembers);
        for (String m : workspaceMembers) {
            if (!packages.containsKey(m)) {
                throw new IllegalArgumentException("workspace member " + m + " is not a package");
            }
        }
    }

    public MetadataPackage pkg(String id, String source) {
        MetadataPackage p = packages.get(id);
        if (p == null) {
            throw new UnitGraphException(source + ": package " + id + " is not in cargo metadata");
        }
        return p;
    }

    public Set<String> memberSet() {
        return new HashSet<>(workspaceMembers);
    }

    public static CargoMetadata parse(String json, String sourceName) {
        Json j = new Json(sourceName);
        JsonNode root = j.parse(json);
        int version = j.integer(root, "version", "top level");
        if (version != 1) {
            throw new UnitGraphException(sourceName + ": unsupported metadata format version " + version
                    + " (expected 1)");
        }
        Map<String, MetadataPackage> pkgs = new LinkedHashMap<>();
        JsonNode arr = j.array(root, "packages", "top level");
        for (int i = 0; i < arr.size(); i++) {
            JsonNode p = arr.get(i);
            String w = "package " + i;
            String id = j.str(p, "id", w);
            w = "package " + id;
            TreeSet<String> features = new TreeSet<>();
            JsonNode f = p.get("features");
            if (f != null && f.isObject()) {
                features.addAll(f.propertyNames());
            }
            List<String> kinds = new ArrayList<>();
            List<UnitTarget> targets = new ArrayList<>();
            JsonNode ts = j.array(p, "targets", w);
            for (int k = 0; k < ts.size(); k++) {
                JsonNode t = ts.get(k);
                String tw = w + " target " + k;
                List<String> kind = j.strings(t, "kind", tw);
                if (kind.isEmpty()) {
                    throw new UnitGraphException(sourceName + ": " + tw + ": empty kind");
                }
                kinds.addAll(kind);
                targets.add(new UnitTarget(kind, j.strings(t, "crate_types", tw), j.str(t, "name", tw),
                        j.str(t, "src_path", tw), j.str(t, "edition", tw), j.bool(t, "doc", tw, false),
                        j.bool(t, "doctest", tw, false), j.bool(t, "test", tw, false)));
            }
            MetadataPackage mp = new MetadataPackage(id, j.str(p, "name", w), j.str(p, "version", w),
                    j.str(p, "manifest_path", w), j.strings(p, "authors", w), orEmpty(j.optStr(p, "description", w)),
                    orEmpty(j.optStr(p, "homepage", w)), orEmpty(j.optStr(p, "repository", w)),
                    orEmpty(j.optStr(p, "license", w)), orEmpty(j.optStr(p, "license_file", w)),
                    orEmpty(j.optStr(p, "rust_version", w)), orEmpty(j.optStr(p, "readme", w)), features,
                    j.optStr(p, "links", w), orEmpty(j.optStr(p, "edition", w)), kinds, targets);
            if (pkgs.put(id, mp) != null) {
                throw new UnitGraphException(sourceName + ": duplicate package id " + id);
            }
        }
        List<String> members = j.strings(root, "workspace_members", "top level");
        for (String m : members) {
            if (!pkgs.containsKey(m)) {
                throw new UnitGraphException(sourceName + ": workspace member " + m + " is not among the packages");
            }
        }
        return new CargoMetadata(pkgs, members, j.str(root, "workspace_root", "top level"),
                orEmpty(j.optStr(root, "target_directory", "top level")));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
