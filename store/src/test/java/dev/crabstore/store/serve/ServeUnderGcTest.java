package dev.crabstore.store.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.GarbageCollector;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.LocalStore;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} keeps the path whose NAR it is sending from a concurrent {@code gc}: the collector used to delete it
 * under the dump, breaking the download off. Real server on 127.0.0.1, real collector on the same store.
 */
class ServeUnderGcTest {
    /** Far beyond what the kernel buffers between the server and a client that stops reading (tcp_wmem max 4 MiB). */
    static final int BIG = 32 << 20;

    @TempDir
    Path dir;

    @Test
    void aPathBeingSentSurvivesGcAndItsNarArrivesWhole() throws Exception {
        Path home = dir.resolve("home");
        StorePath big;
        // Added by another process (store object), so that no temporary root of the server's store keeps it.
        try (LocalStore adder = ServedStores.open(home)) {
            Path tree = Files.createDirectories(dir.resolve("big"));
            Files.write(tree.resolve("a"), new byte[BIG]);
            Files.writeString(tree.resolve("b"), "after the big file\n"); // opened by the dump after gc ran
            big = adder.addPath(tree, "big", p -> true);
        }
        try (LocalStore store = ServedStores.open(home);
                CacheServer server = CacheServer.start(new InetSocketAddress("127.0.0.1", 0),
                        CacheContents.forStore(store, Optional.empty(), Compression.NONE), Optional.empty(),
                        Optional.empty(), e -> { })) {
            String narinfo = get(server.address(), "/" + big.hashPart() + ".narinfo");
            String url = field(narinfo, "URL");
            String narHash = field(narinfo, "NarHash");

            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(16 << 10); // a slow reader: the server blocks once the buffers are full
                s.connect(server.address());
                s.getOutputStream().write(("GET /" + url + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                long length = Long.parseLong(header(head, "Content-Length"));
                HashingOutputStream nar = new HashingOutputStream(HashAlgorithm.SHA256, OutputStream.nullOutputStream());
                nar.write(in.readNBytes(64 << 10)); // mid-stream: the rest is not sent yet

                GarbageCollector.Result gc = GarbageCollector.collect(store, new GcRoots(store.home()), false,
                        Long.MAX_VALUE, 0, Clock.systemUTC());
                assertEquals(List.of(), gc.deleted(), "the path being sent is a temporary root");
                assertTrue(store.isValid(big) && Files.exists(store.realPath(big).resolve("b")));

                in.transferTo(nar);
                assertEquals(length, nar.count(), "the whole NAR arrived");
                assertEquals(narHash, "sha256:" + nar.hash().toNix32());
            }
            // Once the response is written the root is gone (serve must not keep every path it ever sent).
            assertEquals(List.of(big), collectEventually(store), "the root ended with the response");
        }
    }

    /** The server closes the exchange (and the root) just after the client read the last byte. */
    private static List<StorePath> collectEventually(LocalStore store) throws InterruptedException {
        for (int i = 0; ; i++) {
            List<StorePath> deleted = GarbageCollector.collect(store, new GcRoots(store.home()), false,
                    Long.MAX_VALUE, 0, Clock.systemUTC()).deleted();
            if (!deleted.isEmpty() || i == 200) {
                return deleted;
            }
            Thread.sleep(50);
        }
    }

    private static String get(InetSocketAddress server, String path) throws Exception {
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            return new String(in.readNBytes(Integer.parseInt(header(head, "Content-Length"))), StandardCharsets.UTF_8);
        }
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("the connection closed in the head: " + b);
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static String header(String head, String name) {
        return head.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + head)).substring(name.length() + 1).strip();
    }

    private static String field(String narinfo, String name) {
        return narinfo.lines().filter(l -> l.startsWith(name + ": ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + narinfo)).substring(name.length() + 2);
    }
}
