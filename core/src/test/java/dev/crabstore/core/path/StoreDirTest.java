package dev.crabstore.core.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Vectors produced by Nix 2.8.0 (shared/docs/nix-formats.md §2). */
class StoreDirTest {
    static final Hash NAR_T = Hash.parse("sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6");

    @Test
    void sourcePaths() {
        assertEquals("/crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t",
                StoreDir.DEFAULT.print(StoreDir.DEFAULT.makeSourcePath("t", NAR_T, List.of(), false)));
        StoreDir nix = new StoreDir("/nix/store");
        assertEquals("/nix/store/ylbyfdxbaixdj940dl0saxxhhm1wq70k-t",
                nix.print(nix.makeSourcePath("t", NAR_T, List.of(), false)));
    }

    @Test
    void fixedAndTextPaths() {
        Hash hello = Hash.sha256("hello\n");
        StoreDir sd = StoreDir.DEFAULT;
        assertEquals("dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-hello.txt",
                sd.makeFixedOutputPath("hello.txt", new ContentAddress(ContentAddressMethod.FLAT, hello), List.of(),
                        false).baseName());
        assertEquals("rlply3j5vsha2q95vnw5b5shh35q79ai-hello.txt",
                sd.makeTextPath("hello.txt", hello, List.of()).baseName());
        Hash helloNar = Hash.parse("sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw");
        assertEquals("3y7fdghfqlqpighk6301diwn76hyhx6w-hello.txt",
                sd.makeFixedOutputPath("hello.txt", new ContentAddress(ContentAddressMethod.NAR, helloNar), List.of(),
                        false).baseName());
    }

    @Test
    void recursiveSha1IsAFixedOutputPath() {
        // NAR(T) hashed with sha1 is not in the doc as a value; check only the type rules here.
        Hash sha1 = Hash.digest(HashAlgorithm.SHA1, new byte[] {1});
        StorePath p = StoreDir.DEFAULT.makeFixedOutputPath("t", new ContentAddress(ContentAddressMethod.NAR, sha1),
                List.of(), false);
        assertEquals("t", p.name());
        assertThrows(InvalidFormatException.class, () -> StoreDir.DEFAULT.makeFixedOutputPath("t",
                new ContentAddress(ContentAddressMethod.NAR, sha1), List.of(p), false));
    }

    @Test
    void nameRules() {
        StorePath.validateName("a".repeat(211));
        StorePath.validateName("foo-1.0+x_y?z=w");
        for (String bad : new String[] {"", "a".repeat(212), "a b", "ü", "a/b", ".", "..", ".hidden"}) {
            assertThrows(InvalidFormatException.class, () -> StorePath.validateName(bad), bad);
        }
        assertEquals("serde_json-1.0", StorePath.sanitizeName("serde_json-1.0"));
        assertEquals("_a_b", StorePath.sanitizeName(".a b"));
    }

    @Test
    void parsing() {
        StorePath p = StoreDir.DEFAULT.parsePath("/crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t");
        assertEquals("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc", p.hashPart());
        assertThrows(InvalidFormatException.class, () -> StoreDir.DEFAULT.parsePath("/nix/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t"));
        assertThrows(InvalidFormatException.class, () -> StorePath.parseBaseName("26qlyjafkhg4qjf7m7kl6xsk8dkbyxxe-t"));
        assertThrows(InvalidFormatException.class, () -> StorePath.parseBaseName("short-t"));
        assertThrows(InvalidFormatException.class, () -> new StoreDir("relative/store"));
        assertThrows(InvalidFormatException.class, () -> new StoreDir("/a/store/"));
    }
}
