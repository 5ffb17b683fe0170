package dev.crabstore.planner.unit;

import java.util.Objects;

/**
 * A cargo Package ID Spec as printed since cargo 1.88: {@code <kind>+<url>#[<name>@]<version>}; the name is
 * omitted when it equals the last path segment of the URL.
 */
public record PackageId(String kind, String url, String name, String version) {
    public PackageId {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
    }

    public static PackageId parse(String spec) {
        int plus = spec.indexOf('+');
        int hash = spec.lastIndexOf('#');
        if (plus <= 0 || hash < plus) {
            throw new UnitGraphException("package id '" + spec + "': expected <kind>+<url>#[<name>@]<version>");
        }
        String kind = spec.substring(0, plus);
        String url = spec.substring(plus + 1, hash);
        String frag = spec.substring(hash + 1);
        int at = frag.indexOf('@');
        String name;
        String version;
        if (at >= 0) {
            name = frag.substring(0, at);
            version = frag.substring(at + 1);
        } else {
            String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
            name = path.substring(path.lastIndexOf('/') + 1);
            version = frag;
        }
        if (name.isEmpty() || version.isEmpty()) {
            throw new UnitGraphException("package id '" + spec + "': empty name or version");
        }
        return new PackageId(kind, url, name, version);
    }

    /** Path packages are local (workspace members or path deps): no {@code --cap-lints}, relative source paths. */
    public boolean isPath() {
        return kind.equals("path");
    }
}
