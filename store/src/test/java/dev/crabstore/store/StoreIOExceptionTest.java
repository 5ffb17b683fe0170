package dev.crabstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messages say what went wrong, not the path twice (a user review: "cannot read the key file /x: /x"). */
class StoreIOExceptionTest {
    @TempDir
    Path dir;

    @Test
    void fileErrorsAreSaidInWords() {
        Path missing = dir.resolve("key.sec");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Files.readString(missing));
        assertEquals("cannot read the secret key file " + missing + ": no such file or directory",
                new StoreIOException("cannot read the secret key file " + missing, e).getMessage());
        assertEquals("x: disk on fire", new StoreIOException("x", new IOException("disk on fire")).getMessage());
        assertEquals("x", new StoreIOException("x", null).getMessage());
    }
}
