package dev.crabstore.store.cache.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;

/** Against a real s3proxy on 127.0.0.1. */
class S3TransportTest {
    @TempDir
    static Path work;

    static S3ProxyServer server;

    @BeforeAll
    static void start() throws Exception {
        server = S3ProxyServer.start(work);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    S3Transport transport(String bucketAndPrefix) {
        return new S3Transport(S3Location.parse("s3://" + bucketAndPrefix + "?endpoint=" + server.endpoint
                + "&region=us-east-1"), Duration.ofSeconds(10), Optional.of(S3ProxyServer.credentials()));
    }

    @Test
    void putsGetsAndTellsMisses() throws Exception {
        try (S3Transport t = transport("cache/team")) {
            t.client().createBucket(CreateBucketRequest.builder().bucket("cache").build());
            Path f = Files.writeString(work.resolve("n"), "StorePath: x\n");
            t.put("abc.narinfo", f, "text/x-nix-narinfo");
            assertTrue(t.exists("abc.narinfo"));
            assertFalse(t.exists("missing.narinfo"));
            assertEquals(Optional.empty(), t.get("missing.narinfo"));
            try (InputStream in = t.get("abc.narinfo").orElseThrow()) {
                assertEquals("StorePath: x\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            // The prefix is honoured: the object lives under team/.
            try (S3Transport root = transport("cache")) {
                assertTrue(root.exists("team/abc.narinfo"));
            }
        }
    }

    @Test
    void aMissingBucketIsAMiss() {
        try (S3Transport t = transport("no-such-bucket")) {
            // s3proxy answers NoSuchBucket (404): nothing there.
            assertEquals(Optional.empty(), t.get("x.narinfo"));
        }
    }

    @Test
    void badCredentialsFail() throws Exception {
        S3Transport bad = new S3Transport(S3Location.parse("s3://cache?endpoint=" + server.endpoint),
                Duration.ofSeconds(10), Optional.of(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider
                        .create(software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "y"))));
        Path f = Files.writeString(work.resolve("m"), "x");
        assertThrows(TransportException.class, () -> bad.put("y", f, "text/plain"));
        bad.close();
    }

    @Test
    void parsesUrls() {
        S3Location l = S3Location.parse("s3://b/p/q/?endpoint=127.0.0.1:9000&region=eu-west-1&priority=10");
        assertEquals("b", l.bucket());
        assertEquals("p/q", l.prefix());
        assertEquals("https://127.0.0.1:9000", l.endpoint().orElseThrow().toString());
        assertEquals("eu-west-1", l.region());
        assertEquals("p/q/x.narinfo", l.key("x.narinfo"));
        assertThrows(InvalidFormatException.class, () -> S3Location.parse("s3:///nobucket"));
        assertThrows(InvalidFormatException.class, () -> S3Location.parse("s3://b?bogus=1"));
    }
}
