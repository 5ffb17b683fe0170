package dev.crabstore.core.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Known answers from nix-formats.md §8 (a throwaway key; Nix and the JDK both produced the signature). */
class KeysTest {
    static final String SECRET = "crab-test-1:So/lq0gN0lXsQMp6+hnT62Wio1bMcvUwN2o31kLv2PCjXuBQTJThFeHahdyj4ROfkNIaAGfCKus9QVlanwEFoA==";
    static final String PUBLIC = "crab-test-1:o17gUEyU4RXh2oXco+ETn5DSGgBnwirrPUFZWp8BBaA=";
    static final String FINGERPRINT = "1;/crabstore/store/26qlyjafkhg4qjf7m7kl6xsk8dkbyxxc-t;"
            + "sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6;1072;";
    static final String SIG = "crab-test-1:HugvrblZUEVstgH5XVZSx9ts+DfuoTS7DfNBT8OxuhBUrASUL9kxSKXn2+iZvzY/Ylr2GDWPfigS5u53JJWXCw==";

    @Test
    void knownAnswers() {
        SecretKey sk = SecretKey.parse(SECRET);
        assertEquals(PUBLIC, sk.toPublicKey().toString());
        assertEquals(SIG, sk.sign(FINGERPRINT).toString());
        assertTrue(PublicKey.parse(PUBLIC).verify(FINGERPRINT, Signature.parse(SIG)));
        assertFalse(PublicKey.parse(PUBLIC).verify(FINGERPRINT + "x", Signature.parse(SIG)));
        assertEquals(SECRET, sk.toString());
    }

    @Test
    void generatedKeysRoundTrip() {
        SecretKey sk = SecretKey.generate("my-cache-1", new SecureRandom());
        SecretKey again = SecretKey.parse(sk.toString() + "\n");
        assertEquals(sk.toString(), again.toString());
        assertEquals(sk.toPublicKey(), PublicKey.parse(sk.toPublicKey().toString()));
        assertTrue(sk.toPublicKey().verify("m", again.sign("m")));
    }

    @Test
    void trustGoesByKeyName() {
        SecretKey a = SecretKey.generate("a", new SecureRandom());
        SecretKey b = SecretKey.generate("b", new SecureRandom());
        TrustedKeys onlyA = TrustedKeys.parse(a.toPublicKey() + "  ");
        assertTrue(onlyA.trusts("m", List.of(b.sign("m"), a.sign("m"))), "one good signature is enough");
        assertFalse(onlyA.trusts("m", List.of(b.sign("m"))));
        assertFalse(onlyA.trusts("other", List.of(a.sign("m"))));
        // A signature that claims a's name but was made by b.
        Signature forged = Signature.parse("a:" + b.sign("m").toString().substring(2));
        assertFalse(onlyA.trusts("m", List.of(forged)));
    }

    @Test
    void rejectsMalformedKeys() {
        assertThrows(InvalidKeyException.class, () -> SecretKey.parse("nocolon"));
        assertThrows(InvalidKeyException.class, () -> SecretKey.parse(":" + SECRET.split(":")[1]));
        assertThrows(InvalidKeyException.class, () -> SecretKey.parse(PUBLIC));
        assertThrows(InvalidKeyException.class, () -> PublicKey.parse(SECRET));
        assertThrows(InvalidKeyException.class, () -> Signature.parse("k:!!!"));
        // Public half of the secret key altered.
        String corrupt = SECRET.substring(0, SECRET.length() - 4) + "AAA=";
        assertThrows(InvalidKeyException.class, () -> SecretKey.parse(corrupt));
    }
}
