package dev.crabstore.store.cache;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.cache.transport.FileTransport;
import dev.crabstore.store.cache.transport.HttpTransport;
import dev.crabstore.store.cache.transport.S3Location;
import dev.crabstore.store.cache.transport.S3Transport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Opens a binary cache by URL: {@code file:///dir}, {@code http(s)://host/path}, {@code s3://bucket/prefix?…}. */
public final class CacheUrls {
    private CacheUrls() {}

    public static CacheTransport open(String url, Duration timeout, Map<String, String> env) {
        String base = stripQuery(url);
        if (url.startsWith("file://")) {
            return new FileTransport(Path.of(URI.create(base)));
        }
        if (url.startsWith("http://") || url.startsWith("https://")) {
            return new HttpTransport(URI.create(base), timeout,
                    Optional.ofNullable(env.get("CRABSTORE_CACHE_TOKEN")).filter(t -> !t.isEmpty()));
        }
        if (url.startsWith("s3://")) {
            return new S3Transport(S3Location.parse(url), timeout, Optional.empty());
        }
        if (url.startsWith("/")) {
            return new FileTransport(Path.of(url));
        }
        throw new InvalidFormatException("unsupported binary cache URL '" + url
                + "' (use file:///dir, http(s)://host/path or s3://bucket/prefix)");
    }

    /** Query parameters such as {@code ?priority=} and {@code ?store=} configure the client, not the location. */
    static String stripQuery(String url) {
        if (url.startsWith("s3://")) {
            return url;
        }
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
