package dev.crabstore.store.serve;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.PathLocks;
import dev.crabstore.store.local.StoreHome;
import java.io.IOException;
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
import java.util.Set;

/** Test stores for the cache server: a content-addressed path and an input-addressed one that refers to it. */
final class ServedStores {
    static final StoreDir SD = StoreDir.DEFAULT;

    private ServedStores() {}

    static LocalStore open(Path home) {
        return LocalStore.open(new StoreHome(home, SD), Clock.systemUTC());
    }

    /** A text path (content-addressed, needs no signature). */
    static StorePath addText(LocalStore store, String name, String text) {
        return store.addText(name, text.getBytes(StandardCharsets.UTF_8), Set.of());
    }

    /**
     * An input-addressed output (no CA: only a signature makes a client trust it) holding a small tree that refers
     * to {@code dep}.
     */
    static StorePath addOutput(LocalStore store, String name, StorePath dep) throws IOException {
        return addOutput(store, name, dep, Optional.empty());
    }

    /** As above, registered as built by {@code deriver}. */
    static StorePath addOutput(LocalStore store, String name, StorePath dep, Optional<StorePath> deriver)
            throws IOException {
        StorePath out = SD.makeOutputPath("out", Hash.sha256("derivation of " + name), name);
        Path built = store.newTempDir(name).resolve("out");
        Files.createDirectories(built.resolve("bin"));
        Files.writeString(built.resolve("bin/run"), "#!/bin/sh\ncat " + SD.print(dep) + "\n");
        built.resolve("bin/run").toFile().setExecutable(true);
        Files.createSymbolicLink(built.resolve("link"), Path.of("bin/run"));
        try (PathLocks.PathLock l = store.locks().lock(out)) {
            store.registerOutput(out, built, List.of(dep), deriver);
        }
        return out;
    }

    /** One raw HTTP/1.1 request, exactly as written (no client-side normalisation); returns the status code. */
    static int rawStatus(InetSocketAddress server, String requestHead, byte[] body, boolean closeEarly)
            throws IOException {
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(requestHead.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            if (closeEarly) {
                return -1;
            }
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            String[] parts = line.toString().split(" ");
            return Integer.parseInt(parts[1]);
        }
    }
}
