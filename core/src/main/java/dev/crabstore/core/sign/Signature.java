package dev.crabstore.core.sign;

import java.util.Arrays;

/** An Ed25519 signature as narinfo {@code Sig:} lines hold it: {@code <keyName>:<base64 of 64 bytes>}. */
public final class Signature {
    private final String keyName;
    private final byte[] bytes;

    Signature(String keyName, byte[] bytes) {
        this.keyName = keyName;
        this.bytes = bytes.clone();
    }

    public static Signature parse(String text) {
        NamedBytes nb = NamedBytes.parse(text, 64, "signature");
        return new Signature(nb.name(), nb.bytes());
    }

    public String keyName() {
        return keyName;
    }

    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Signature s && s.keyName.equals(keyName) && Arrays.equals(s.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return keyName.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return new NamedBytes(keyName, bytes).render();
    }
}
