package dev.crabstore.store.cache.transport;

import dev.crabstore.core.InvalidFormatException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code s3://bucket[/prefix][?endpoint=URL&region=R&profile=P]}, the cache URL form Nix uses for S3. */
public record S3Location(String bucket, String prefix, Optional<URI> endpoint, String region, Optional<String> profile) {
    public static S3Location parse(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new InvalidFormatException("invalid S3 cache URL '" + url + "': " + e.getMessage());
        }
        if (!"s3".equals(u.getScheme()) || u.getHost() == null || u.getHost().isEmpty()) {
            throw new InvalidFormatException("invalid S3 cache URL '" + url + "': expected s3://bucket[/prefix][?...]");
        }
        String path = u.getPath() == null ? "" : u.getPath();
        String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
        Map<String, String> q = new LinkedHashMap<>();
        if (u.getRawQuery() != null) {
            for (String kv : u.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new InvalidFormatException("invalid parameter '" + kv + "' in S3 cache URL '" + url + "'");
                }
                q.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        Optional<URI> endpoint = Optional.ofNullable(q.remove("endpoint")).map(e -> URI.create(
                e.contains("://") ? e : "https://" + e));
        String region = Optional.ofNullable(q.remove("region")).orElse("us-east-1");
        Optional<String> profile = Optional.ofNullable(q.remove("profile"));
        q.remove("priority");
        q.remove("want-mass-query");
        q.remove("compression");
        if (!q.isEmpty()) {
            throw new InvalidFormatException("unknown parameter(s) " + q.keySet() + " in S3 cache URL '" + url + "'");
        }
        return new S3Location(u.getHost(), prefix, endpoint, region, profile);
    }

    public String key(String relativePath) {
        return prefix.isEmpty() ? relativePath : prefix + "/" + relativePath;
    }
}
