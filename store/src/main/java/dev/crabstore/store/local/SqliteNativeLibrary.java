package dev.crabstore.store.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Keeps sqlite-jdbc's native library extracted under the store home, once per crabstore jar. By default sqlite-jdbc
 * extracts it to {@code java.io.tmpdir} under a fresh name and compares it byte for byte on every start, about
 * 0.15 s of each command; pointing {@code org.sqlite.lib.path} at a kept copy skips both.
 */
final class SqliteNativeLibrary {
    private static final String RESOURCE = "/org/sqlite/native/Linux/x86_64/libsqlitejdbc.so";
    private static final String NAME = "libsqlitejdbc.so";

    private SqliteNativeLibrary() {}

    /** Sets sqlite-jdbc's library path to a copy under {@code libDir}; any failure leaves sqlite-jdbc's default. */
    static synchronized void useKeptCopy(Path libDir) {
        if (System.getProperty("org.sqlite.lib.path") != null
                || !"Linux".equals(System.getProperty("os.name")) || !"amd64".equals(System.getProperty("os.arch"))) {
            return;
        }
        try {
            Path dir = libDir.resolve("sqlite-native-" + jarStamp());
            Path lib = dir.resolve(NAME);
            if (!Files.isRegularFile(lib)) {
                try (InputStream in = org.sqlite.JDBC.class.getResourceAsStream(RESOURCE)) {
                    if (in == null) {
                        return;
                    }
                    Files.createDirectories(dir);
                    Path tmp = Files.createTempFile(dir, NAME, ".tmp");
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.setProperty("org.sqlite.lib.path", dir.toString());
            System.setProperty("org.sqlite.lib.name", NAME);
        } catch (IOException | RuntimeException e) {
            // sqlite-jdbc extracts it itself, as before
        }
    }

    /** Identifies the jar that holds sqlite-jdbc (path, size, mtime): a new build gets its own copy. */
    private static String jarStamp() throws IOException {
        try {
            Path jar = Path.of(org.sqlite.JDBC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String id = jar + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis();
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                hex.append(String.format("%02x", d[i]));
            }
            return hex.toString();
        } catch (URISyntaxException | NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }
}
