package dev.crabstore.store.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.InvalidFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompressionTest {
    @Test
    void roundTripsEveryCodec() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        System.arraycopy(new byte[100_000], 0, data, 0, 100_000);
        for (Compression c : Compression.values()) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (OutputStream out = c.compress(bos)) {
                out.write(data);
            }
            try (InputStream in = c.decompress(new ByteArrayInputStream(bos.toByteArray()))) {
                assertArrayEquals(data, in.readAllBytes(), c.name());
            }
        }
    }

    @Test
    void namesFollowNix() {
        assertEquals(Compression.BZIP2, Compression.parse(""));
        assertEquals(Compression.BZIP2, Compression.parse(null));
        assertEquals(Compression.ZSTD, Compression.parse("zstd"));
        assertEquals(".nar.zst", Compression.ZSTD.extension());
        assertThrows(InvalidFormatException.class, () -> Compression.parse("lz4"));
    }
}
