package dev.crabstore.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real S3-compatible server (s3proxy with its filesystem backend) on 127.0.0.1, in its own JVM. The jar is copied
 * by the store module's build to {@code store/target/s3proxy/s3proxy.jar}.
 */
public final class S3Proxy implements AutoCloseable {
    public static final String ACCESS = "crab-access";
    public static final String SECRET = "crab-secret";

    private final Process process;
    private final URI endpoint;

    private S3Proxy(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public URI endpoint() {
        return endpoint;
    }

    public static S3Proxy start(Path work) throws IOException, InterruptedException {
        Path jar = Corpus.repoRoot().resolve("store/target/s3proxy/s3proxy.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: run the tests through Maven (the store module's "
                    + "generate-test-resources copies it)");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path data = Files.createDirectories(work.resolve("s3data"));
        Path props = work.resolve("s3proxy.properties");
        Files.writeString(props, "s3proxy.endpoint=http://127.0.0.1:" + port + "\n"
                + "s3proxy.authorization=aws-v2-or-v4\n"
                + "s3proxy.identity=" + ACCESS + "\n"
                + "s3proxy.credential=" + SECRET + "\n"
                + "jclouds.provider=filesystem\n"
                + "jclouds.filesystem.basedir=" + data + "\n");
        Process p = new ProcessBuilder("java", "-jar", jar.toString(), "--properties", props.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("s3proxy.log").toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new S3Proxy(p, URI.create("http://127.0.0.1:" + port));
            } catch (IOException e) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("s3proxy exited: " + Files.readString(work.resolve("s3proxy.log")));
                }
                Thread.sleep(100);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("s3proxy did not start within 60 s");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
