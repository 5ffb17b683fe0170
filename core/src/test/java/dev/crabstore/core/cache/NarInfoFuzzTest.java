package dev.crabstore.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile {@code .narinfo} files: only {@link InvalidNarInfoException} naming the file; an accepted one renders and
 * re-parses to itself, and asking whether it is trusted or content-addressed never throws.
 */
class NarInfoFuzzTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final String SOURCE = "fuzz-input.narinfo";
    static final SecretKey KEY = key();
    static final TrustedKeys TRUSTED = TrustedKeys.parse(KEY.toPublicKey().toString());

    static SecretKey key() {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(7);
            return SecretKey.generate("fuzz-cache-1", r);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final Fuzzer FUZZ = Fuzzer.forParser("narinfo").extension("narinfo")
            .rejectsWith(InvalidNarInfoException.class).messageNames(SOURCE).target(b -> {
                NarInfo n = NarInfo.parse(new String(b, StandardCharsets.UTF_8), SD, SOURCE);
                assertEquals(n, NarInfo.parse(n.render(SD), SD, "rendered"), "render and parse again");
                n.isTrusted(TRUSTED, SD);
                n.isContentAddressed(SD);
                n.fingerprint(SD);
            }).build();

    /** The test file of NarInfoTest, and narinfos written by {@link NarInfo#render}: signed, content-addressed. */
    static List<byte[]> seeds() {
        NarInfo good = NarInfo.parse(NarInfoTest.GOOD, SD, "good");
        StorePath ref = StorePath.parseBaseName("3y7fdghfqlqpighk6301diwn76hyhx6w-hello.txt");
        Hash h = Hash.sha256("contents");
        ContentAddress ca = new ContentAddress(ContentAddressMethod.NAR, h);
        StorePath caPath = SD.makeFixedOutputPath("fixed", ca, List.of(ref), false);
        NarInfo fixed = new NarInfo(PathInfo.of(caPath, h, 120, new TreeSet<>(List.of(ref))).withContentAddress(ca),
                "nar/" + h.toNix32() + ".nar.xz", "xz", Optional.of(Hash.sha256("xz")), OptionalLong.of(99),
                Optional.of("x86_64-linux"));
        return Mutator.text(NarInfoTest.GOOD, good.sign(KEY, SD).render(SD), fixed.render(SD),
                fixed.sign(KEY, SD).render(SD));
    }

    static InputSource generator() {
        Mutator m = new Mutator(seeds(), Mutator.text("StorePath: ", "URL: ", "Compression: ", "FileHash: ",
                "FileSize: ", "NarHash: ", "NarSize: ", "References: ", "Deriver: ", "System: ", "Sig: ", "CA: ",
                "/crabstore/store/", "sha256:", "sha512:", "md5:", "sha1:", "sha256-", "fixed:r:", "fixed:", "text:",
                "unknown-deriver", ":", "\n", "0000000000000000000000000000000-x"));
        return m::mutate;
    }

    @Test
    void corpus() {
        FUZZ.corpus(generator());
    }

    @Test
    @Tag("slow")
    void random() {
        FUZZ.random(generator());
    }
}
