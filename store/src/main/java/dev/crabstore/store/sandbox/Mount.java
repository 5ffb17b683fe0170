package dev.crabstore.store.sandbox;

import java.nio.file.Path;

/** A host path made visible inside the sandbox at {@code sandboxPath}, read-only unless {@code writable}. */
public record Mount(Path hostPath, String sandboxPath, boolean writable) {
    public Mount {
        if (!sandboxPath.startsWith("/")) {
            throw new IllegalArgumentException("sandbox path must be absolute: " + sandboxPath);
        }
        hostPath = hostPath.toAbsolutePath().normalize();
    }

    public static Mount readOnly(Path host, String at) {
        return new Mount(host, at, false);
    }

    public static Mount writable(Path host, String at) {
        return new Mount(host, at, true);
    }
}
