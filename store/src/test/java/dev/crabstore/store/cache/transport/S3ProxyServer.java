package dev.crabstore.store.cache.transport;

import dev.crabstore.testkit.S3Proxy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The testkit's s3proxy, with credentials for the SDK. */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS = S3Proxy.ACCESS;
    static final String SECRET = S3Proxy.SECRET;

    private final S3Proxy proxy;
    final URI endpoint;

    private S3ProxyServer(S3Proxy proxy) {
        this.proxy = proxy;
        this.endpoint = proxy.endpoint();
    }

    static S3ProxyServer start(Path work) throws IOException, InterruptedException {
        return new S3ProxyServer(S3Proxy.start(work));
    }

    static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET));
    }

    @Override
    public void close() {
        proxy.close();
    }
}
