package dev.crabstore.store.cache.transport;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A cache in an S3 bucket (or any S3-compatible server through {@code endpoint=}), with path-style addressing so
 * that local servers work. Credentials come from the usual AWS chain (environment, profile). A PUT is atomic in S3.
 */
public final class S3Transport implements CacheTransport {
    private final S3Location location;
    private final S3Client client;

    public S3Transport(S3Location location, Duration timeout, Optional<AwsCredentialsProvider> credentials) {
        this.location = location;
        AwsCredentialsProvider creds = credentials.orElseGet(() -> location.profile()
                .<AwsCredentialsProvider>map(p -> ProfileCredentialsProvider.builder().profileName(p).build())
                .orElseGet(() -> DefaultCredentialsProvider.builder().build()));
        var builder = S3Client.builder()
                .region(Region.of(location.region()))
                .credentialsProvider(creds)
                .forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout));
        location.endpoint().ifPresent(builder::endpointOverride);
        this.client = builder.build();
    }

    public S3Client client() {
        return client;
    }

    @Override
    public boolean exists(String relativePath) {
        String key = location.key(RelativePaths.check(relativePath));
        try {
            client.headObject(HeadObjectRequest.builder().bucket(location.bucket()).key(key).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return false;
            }
            throw failure("HEAD", key, e);
        } catch (SdkException e) {
            throw failure("HEAD", key, e);
        }
    }

    @Override
    public Optional<InputStream> get(String relativePath) {
        String key = location.key(RelativePaths.check(relativePath));
        try {
            return Optional.of(client.getObject(GetObjectRequest.builder().bucket(location.bucket()).key(key).build()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return Optional.empty();
            }
            throw failure("GET", key, e);
        } catch (SdkException e) {
            throw failure("GET", key, e);
        }
    }

    @Override
    public void put(String relativePath, Path file, String contentType) {
        String key = location.key(RelativePaths.check(relativePath));
        try {
            client.putObject(PutObjectRequest.builder().bucket(location.bucket()).key(key).contentType(contentType)
                    .build(), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("PUT", key, e);
        }
    }

    private TransportException failure(String verb, String key, Exception e) {
        return new TransportException(verb + " " + describe() + " key " + key + " failed", e);
    }

    @Override
    public String describe() {
        return "s3://" + location.bucket() + (location.prefix().isEmpty() ? "" : "/" + location.prefix());
    }

    @Override
    public void close() {
        client.close();
    }
}
