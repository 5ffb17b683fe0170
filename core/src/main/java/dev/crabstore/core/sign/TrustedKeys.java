package dev.crabstore.core.sign;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The public keys a client trusts ({@code trusted-public-keys}). A message is trusted when at least one of its
 * signatures verifies under the trusted key of the same name; signatures under unknown names are ignored.
 */
public final class TrustedKeys {
    private final Map<String, PublicKey> byName = new TreeMap<>();

    public TrustedKeys(Collection<PublicKey> keys) {
        keys.forEach(k -> byName.put(k.name(), k));
    }

    /** Parses a space-separated list, as the config key and environment variable hold it. */
    public static TrustedKeys parse(String spaceSeparated) {
        List<PublicKey> keys = new java.util.ArrayList<>();
        for (String s : spaceSeparated.strip().split("\\s+")) {
            if (!s.isEmpty()) {
                keys.add(PublicKey.parse(s));
            }
        }
        return new TrustedKeys(keys);
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    public boolean trusts(String message, Collection<Signature> signatures) {
        for (Signature s : signatures) {
            PublicKey k = byName.get(s.keyName());
            if (k != null && k.verify(message, s)) {
                return true;
            }
        }
        return false;
    }
}
