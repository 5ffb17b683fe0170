package dev.crabstore.core.sign;

import java.util.Base64;

/** Nix's {@code <name>:<base64>} text form of keys and signatures: the name is everything before the first colon. */
record NamedBytes(String name, byte[] bytes) {
    static NamedBytes parse(String text, int length, String what) {
        String t = text.strip();
        int colon = t.indexOf(':');
        if (colon <= 0) {
            throw new InvalidKeyException(what + " must have the form <name>:<base64>");
        }
        byte[] b;
        try {
            b = Base64.getMimeDecoder().decode(t.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyException(what + " '" + t.substring(0, colon) + "' has invalid base64");
        }
        if (b.length != length) {
            throw new InvalidKeyException(what + " '" + t.substring(0, colon) + "' must decode to " + length
                    + " bytes, not " + b.length);
        }
        return new NamedBytes(t.substring(0, colon), b);
    }

    String render() {
        return name + ":" + Base64.getEncoder().encodeToString(bytes);
    }
}
