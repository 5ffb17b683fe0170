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
            // Keys given in crabstore's environment win (tests and CI pass them so); else the SDK's usual chain.
            String id = env.get("AWS_ACCESS_KEY_ID");
            String secret = env.get("AWS_SECRET_ACCESS_KEY");
            Optional<software.amazon.awssdk.auth.credentials.AwsCredentialsProvider> creds = Optional.empty();
            if (id != null && secret != null && !id.isEmpty() && !secret.isEmpty()) {
                String session = env.get("AWS_SESSION_TOKEN");
                creds = Optional.of(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        session == null || session.isEmpty()
                                ? software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(id, secret)
                                : software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create(id, secret,
                                        session)));
            }
            return new S3Transport(S3Location.parse(url), timeout, creds);
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
