package dev.crabstore.cli;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Secret key files ({@code crabstore key generate}'s output) read for signing uploads. */
final class SecretKeyFiles {
    private SecretKeyFiles() {}

    static List<SecretKey> read(List<Path> files) {
        List<SecretKey> keys = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f);
            } catch (IOException e) {
                throw new StoreIOException("cannot read the secret key file " + f, e);
            }
            try {
                keys.add(SecretKey.parse(text.strip()));
            } catch (CrabstoreException e) {
                throw new InvalidFormatException(f + ": not a secret key (name:base64): " + e.getMessage(), e);
            }
        }
        return keys;
    }
}
