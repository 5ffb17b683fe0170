package dev.crabstore.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class NarInfoTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final String GOOD = "StorePath: /crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t\n"
            + "URL: nar/08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6.nar\n"
            + "Compression: none\n"
            + "FileHash: sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\n"
            + "FileSize: 1072\n"
            + "NarHash: sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\n"
            + "NarSize: 1072\n"
            + "References: 3y7fdghfqlqpighk6301diwn76hyhx6w-hello.txt\n"
            + "Deriver: dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-t.drv\n"
            + "Sig: crab-test-1:HugvrblZUEVstgH5XVZSx9ts+DfuoTS7DfNBT8OxuhBUrASUL9kxSKXn2+iZvzY/Ylr2GDWPfigS5u53JJWXCw==\n";

    @Test
    void roundTrips() {
        NarInfo n = NarInfo.parse(GOOD, SD, "t.narinfo");
        assertEquals(GOOD, n.render(SD));
        assertEquals("none", n.compression());
        assertEquals(1072, n.info().narSize());
    }

    @Test
    void nixDefaultsAndLeniency() {
        String minimal = "StorePath: /crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t\nURL: x\n"
                + "NarHash: sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\nNarSize: 1\n"
                + "FutureKey: whatever\nReferences: \n";
        NarInfo n = NarInfo.parse(minimal, SD, "m.narinfo");
        assertEquals("bzip2", n.compression(), "a missing Compression means bzip2");
        assertTrue(n.render(SD).contains("References: \n"), "References is written even when empty");
        // Hex and SRI NarHash are accepted; Nix writes nix32.
        String hex = minimal.replace("sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6",
                "sha256:2673c2eff6fa2e6d7d91587d6e3617ed4e2ccf5a71b03143cdb2a851b9175821");
        assertEquals(n.info().narHash(), NarInfo.parse(hex, SD, "h.narinfo").info().narHash());
    }

    @Test
    void rejectsMalformedFiles() {
        String[][] cases = {
            {GOOD.replace("\n", "\r\n"), "carriage return"},
            {GOOD.replace("StorePath: /crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t\n", ""), "no StorePath"},
            {GOOD.replace("NarSize: 1072", "NarSize: 0"), "NarSize 0"},
            {GOOD.replace("NarSize: 1072", "NarSize: lots"), "not a size"},
            {GOOD.replace("NarHash: sha256:08aq", "NarHash: sha256:zzzz"), "NarHash"},
            {GOOD.replace("/crabstore/store/26ql", "/nix/store/26ql"), "not in the store dir"},
            {GOOD + "References: dya2kvx0f9rmxylf7aghm3pv7m5pw3yh-x\n", "second References"},
            {GOOD + "garbage line\n", "no ':'"},
            {GOOD.replace("URL: nar/08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6.nar\n", ""), "no URL"},
            {GOOD + "CA: fixed:r:sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\nCA: text:sha256:"
                    + "08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\n", "second CA"},
            {GOOD.replace("References: 3y7", "References: !!!"), "References"},
        };
        for (String[] c : cases) {
            InvalidNarInfoException e = assertThrows(InvalidNarInfoException.class,
                    () -> NarInfo.parse(c[0], SD, "bad.narinfo"), c[1]);
            assertTrue(e.getMessage().startsWith("bad.narinfo"), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[1] + " / " + e.getMessage());
        }
    }

    @Test
    void signsAndChecksTrust() {
        SecretKey key = SecretKey.generate("cache-1", new SecureRandom());
        NarInfo unsigned = NarInfo.parse(GOOD.replaceAll("Sig: .*\n", ""), SD, "t.narinfo");
        TrustedKeys trusted = new TrustedKeys(java.util.List.of(key.toPublicKey()));
        assertFalse(unsigned.isTrusted(trusted, SD));
        NarInfo signed = unsigned.sign(key, SD);
        assertTrue(signed.isTrusted(trusted, SD));
        NarInfo reparsed = NarInfo.parse(signed.render(SD), SD, "s.narinfo");
        assertTrue(reparsed.isTrusted(trusted, SD));
        // One byte of the signed content changed: the signature no longer holds.
        NarInfo tampered = NarInfo.parse(signed.render(SD).replace("NarSize: 1072", "NarSize: 1073"), SD, "x");
        assertFalse(tampered.isTrusted(trusted, SD));
    }

    @Test
    void contentAddressedPathsNeedNoSignature() {
        // The source path of tree T: its CA recomputes to its StorePath.
        String ca = "StorePath: /crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t\nURL: x\nCompression: none\n"
                + "NarHash: sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\nNarSize: 1072\nReferences: \n"
                + "CA: fixed:r:sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6\n";
        TrustedKeys none = new TrustedKeys(java.util.List.of());
        assertTrue(NarInfo.parse(ca, SD, "ca").isTrusted(none, SD));
        // A CA claim that does not give the path is no exception.
        assertFalse(NarInfo.parse(ca.replace("-t\n", "-u\n"), SD, "lie").isTrusted(none, SD));
    }

    @Test
    void nixCacheInfo() {
        NixCacheInfo i = NixCacheInfo.parse("StoreDir: /crabstore/store\nWantMassQuery: 1\nPriority:  30 \njunk\n", "c");
        assertEquals("/crabstore/store", i.storeDir().orElseThrow());
        assertEquals(30, i.priorityOrDefault());
        assertEquals("StoreDir: /crabstore/store\nWantMassQuery: 1\nPriority: 30\n", i.render());
        assertEquals(0, NixCacheInfo.parse("StoreDir: /x\n", "c").priorityOrDefault(), "missing Priority means 0");
        assertThrows(InvalidNarInfoException.class, () -> NixCacheInfo.parse("Priority: high\n", "c"));
    }
}
