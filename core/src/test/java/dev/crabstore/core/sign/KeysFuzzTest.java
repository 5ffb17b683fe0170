package dev.crabstore.core.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile key and signature text: each input is parsed as a public key, a secret key, a signature and a trusted-keys
 * list; only {@link InvalidKeyException}, with a message. A parsed public key verifies (to false) a parsed
 * signature without throwing, and a parsed secret key signs.
 */
class KeysFuzzTest {
    static final SecretKey KEY = key();
    static final String MESSAGE = "1;/crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t;sha256:x;1;";

    static SecretKey key() {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(11);
            return SecretKey.generate("fuzz-cache-1", r);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final Fuzzer FUZZ = Fuzzer.forParser("sign").extension("txt").rejectsWith(InvalidKeyException.class)
            .target(b -> {
                String text = new String(b, StandardCharsets.UTF_8);
                InvalidKeyException first = null;
                PublicKey pk = null;
                Signature sig = null;
                try {
                    pk = PublicKey.parse(text);
                    assertEquals(pk, PublicKey.parse(pk.toString()));
                } catch (InvalidKeyException e) {
                    first = e;
                }
                try {
                    sig = Signature.parse(text);
                    assertEquals(sig, Signature.parse(sig.toString()));
                } catch (InvalidKeyException e) {
                    first = first == null ? e : first;
                }
                try {
                    SecretKey sk = SecretKey.parse(text);
                    sk.toPublicKey().verify(MESSAGE, sk.sign(MESSAGE));
                } catch (InvalidKeyException e) {
                    first = first == null ? e : first;
                }
                try {
                    TrustedKeys.parse(text).trusts(MESSAGE, List.of(KEY.sign(MESSAGE)));
                } catch (InvalidKeyException e) {
                    first = first == null ? e : first;
                }
                if (pk != null) {
                    pk.verify(MESSAGE, KEY.sign(MESSAGE));
                    if (sig != null) {
                        pk.verify(MESSAGE, sig);
                    }
                }
                if (sig != null) {
                    KEY.toPublicKey().verify(MESSAGE, sig);
                }
                if (first != null) {
                    throw first;
                }
            }).build();

    static InputSource generator() {
        Mutator m = new Mutator(Mutator.text(KEY.toPublicKey().toString(), KEY.toString(),
                KEY.sign(MESSAGE).toString(), KEY.toPublicKey() + " " + key().toPublicKey() + "\n",
                "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="),
                Mutator.text(":", "=", "==", "+", "/", "-1:", " ", "\n"));
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
