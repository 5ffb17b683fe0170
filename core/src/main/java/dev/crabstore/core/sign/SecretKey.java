package dev.crabstore.core.sign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;

/**
 * An Ed25519 secret key in Nix's form {@code <name>:<base64 of 64 bytes>}: the 32-byte seed followed by the 32-byte
 * public key (libsodium's layout). Signs with the JDK; signatures are deterministic and equal Nix's.
 */
public final class SecretKey {
    private final String name;
    private final byte[] seed;
    private final byte[] publicRaw;
    private final java.security.PrivateKey jdkKey;

    private SecretKey(String name, byte[] seed, byte[] publicRaw) {
        if (name.isEmpty() || name.contains(":")) {
            throw new InvalidKeyException("key name '" + name + "' must be non-empty and have no ':'");
        }
        this.name = name;
        this.seed = seed.clone();
        this.publicRaw = publicRaw.clone();
        try {
            this.jdkKey = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyException("secret key '" + name + "' is not a valid Ed25519 key");
        }
        // The public half stored in the file must be the one the seed gives.
        if (!Arrays.equals(publicRaw, derivePublic(seed))) {
            throw new InvalidKeyException("secret key '" + name + "' is corrupt: its public half does not match");
        }
    }

    public static SecretKey parse(String text) {
        NamedBytes nb = NamedBytes.parse(text, 64, "secret key");
        byte[] b = nb.bytes();
        return new SecretKey(nb.name(), Arrays.copyOfRange(b, 0, 32), Arrays.copyOfRange(b, 32, 64));
    }

    public static SecretKey generate(String name, SecureRandom random) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return new SecretKey(name, seed, derivePublic(seed));
    }

    /**
     * The public key of a seed. The JDK has no direct call for it; a generator fed the seed as its only randomness
     * produces exactly that key pair (RFC 8032 takes the private key as 32 random bytes).
     */
    private static byte[] derivePublic(byte[] seed) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(NamedParameterSpec.ED25519, new FixedRandom(seed));
            KeyPair kp = g.generateKeyPair();
            byte[] got = ((EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow();
            if (!Arrays.equals(got, seed)) {
                throw new IllegalStateException("this JDK's Ed25519 generator does not take the seed as given");
            }
            byte[] enc = kp.getPublic().getEncoded();
            return Arrays.copyOfRange(enc, enc.length - 32, enc.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks Ed25519", e);
        }
    }

    public String name() {
        return name;
    }

    public PublicKey toPublicKey() {
        return new PublicKey(name, publicRaw);
    }

    public Signature sign(String message) {
        try {
            java.security.Signature s = java.security.Signature.getInstance("Ed25519");
            s.initSign(jdkKey);
            s.update(message.getBytes(StandardCharsets.UTF_8));
            return new Signature(name, s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** The key file's contents, as {@code nix key generate-secret} writes them (no trailing newline). */
    @Override
    public String toString() {
        byte[] both = Arrays.copyOf(seed, 64);
        System.arraycopy(publicRaw, 0, both, 32, 32);
        return new NamedBytes(name, both).render();
    }

    /** A SecureRandom that yields the given bytes, once. */
    private static final class FixedRandom extends SecureRandom {
        private final byte[] bytes;
        private int pos;

        FixedRandom(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        @Override
        public void nextBytes(byte[] out) {
            for (int i = 0; i < out.length; i++) {
                out[i] = bytes[pos++ % bytes.length];
            }
        }
    }
}
