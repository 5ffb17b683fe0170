package dev.crabstore.core.sign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/** An Ed25519 public key in Nix's form {@code <name>:<base64 of 32 bytes>}; verifies with the JDK. */
public final class PublicKey {
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final String name;
    private final byte[] raw;
    private final java.security.PublicKey jdkKey;

    PublicKey(String name, byte[] raw) {
        this.name = name;
        this.raw = raw.clone();
        byte[] spki = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + 32);
        System.arraycopy(raw, 0, spki, X509_PREFIX.length, 32);
        try {
            this.jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyException("public key '" + name + "' is not a valid Ed25519 key");
        }
    }

    public static PublicKey parse(String text) {
        NamedBytes nb = NamedBytes.parse(text, 32, "public key");
        return new PublicKey(nb.name(), nb.bytes());
    }

    public String name() {
        return name;
    }

    /** Whether {@code sig} is this key's (by name) valid signature of {@code message}. */
    public boolean verify(String message, Signature sig) {
        if (!sig.keyName().equals(name)) {
            return false;
        }
        try {
            java.security.Signature v = java.security.Signature.getInstance("Ed25519");
            v.initVerify(jdkKey);
            v.update(message.getBytes(StandardCharsets.UTF_8));
            return v.verify(sig.bytes());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKey k && k.name.equals(name) && Arrays.equals(k.raw, raw);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return new NamedBytes(name, raw).render();
    }
}
