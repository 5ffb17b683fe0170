package dev.crabstore.store.local;

import java.net.InetAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a store path came to be, recorded with it: {@code built} here (host, crabstore and toolchain versions, time),
 * {@code substituted} (from which cache), and when it was last {@code checked} by a rebuild.
 */
public final class Provenance {
    /** crabstore's own version, as {@code --version} prints it. */
    public static final String CRABSTORE_VERSION = "0.1.0";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Provenance() {}

    public static String built(Instant at, Map<String, String> details) {
        Map<String, Object> m = base("built", at);
        m.putAll(details);
        return JSON.writeValueAsString(m);
    }

    /**
     * Built, with the absolute paths outside the store its output holds ({@code pathLeaks}, as the scan before
     * registration found them), so that a later {@code --strict-paths} build refuses the output it did not build.
     */
    public static String built(Instant at, Map<String, String> details, java.util.List<String> pathLeaks) {
        Map<String, Object> m = base("built", at);
        m.putAll(details);
        if (!pathLeaks.isEmpty()) {
            m.put("pathLeaks", pathLeaks);
        }
        return JSON.writeValueAsString(m);
    }

    /** The {@code pathLeaks} of a record (none when it has no such field or is unreadable). */
    public static java.util.List<String> pathLeaks(String record) {
        java.util.List<String> leaks = new java.util.ArrayList<>();
        try {
            var node = JSON.readTree(record).get("pathLeaks");
            if (node != null) {
                node.forEach(n -> leaks.add(n.asString()));
            }
        } catch (tools.jackson.core.JacksonException e) {
            // a damaged record says nothing about leaks
        }
        return leaks;
    }

    /** The cache a path was substituted from, when its record says so (empty when built, or unreadable). */
    public static java.util.Optional<String> substitutedFrom(String record) {
        try {
            var node = JSON.readTree(record);
            var from = node.get("from");
            if (node.path("how").asString("").equals("substituted") && from != null && from.isString()) {
                return java.util.Optional.of(from.asString());
            }
        } catch (tools.jackson.core.JacksonException e) {
            // a damaged record says nothing about where the path came from
        }
        return java.util.Optional.empty();
    }

    public static String substituted(Instant at, String from) {
        Map<String, Object> m = base("substituted", at);
        m.put("from", from);
        return JSON.writeValueAsString(m);
    }

    /** The earlier record with {@code checked} (and whether the rebuild matched) added. */
    public static String checked(String earlier, Instant at, boolean reproducible) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (earlier != null) {
            JSON.readTree(earlier).properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        }
        m.put("checked", at.toString());
        m.put("reproducible", reproducible);
        return JSON.writeValueAsString(m);
    }

    /** The earlier record with {@code repaired} (when) and {@code repairedBy} (how: fetched from where, or rebuilt). */
    public static String repaired(String earlier, Instant at, String how) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (earlier != null) {
            JSON.readTree(earlier).properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        }
        m.put("repaired", at.toString());
        m.put("repairedBy", how);
        return JSON.writeValueAsString(m);
    }

    private static Map<String, Object> base(String how, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("how", how);
        m.put("time", at.toString());
        m.put("host", host());
        m.put("crabstore", CRABSTORE_VERSION);
        return m;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
