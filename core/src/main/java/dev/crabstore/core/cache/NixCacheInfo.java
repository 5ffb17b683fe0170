package dev.crabstore.core.cache;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A binary cache's {@code nix-cache-info}: the store dir it serves, whether bulk queries are welcome, and its
 * priority (lower is preferred; missing means 0). Values only set defaults that a cache URL's parameters override.
 */
public record NixCacheInfo(Optional<String> storeDir, Optional<Boolean> wantMassQuery, OptionalInt priority) {

    public static NixCacheInfo of(String storeDir, boolean wantMassQuery, int priority) {
        return new NixCacheInfo(Optional.of(storeDir), Optional.of(wantMassQuery), OptionalInt.of(priority));
    }

    /** Lines {@code Key: value}; values trimmed; lines without a colon and unknown keys ignored, as Nix does. */
    public static NixCacheInfo parse(String text, String source) {
        String storeDir = null;
        Boolean mass = null;
        Integer priority = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "StoreDir" -> storeDir = value;
                case "WantMassQuery" -> mass = value.equals("1");
                case "Priority" -> {
                    try {
                        priority = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new InvalidNarInfoException(source + ":" + (n + 1) + ": invalid nix-cache-info: Priority '"
                                + value + "' is not an integer");
                    }
                }
                default -> {
                    // ignored
                }
            }
        }
        return new NixCacheInfo(Optional.ofNullable(storeDir), Optional.ofNullable(mass),
                priority == null ? OptionalInt.empty() : OptionalInt.of(priority));
    }

    public int priorityOrDefault() {
        return priority.orElse(0);
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        storeDir.ifPresent(s -> sb.append("StoreDir: ").append(s).append('\n'));
        wantMassQuery.ifPresent(w -> sb.append("WantMassQuery: ").append(w ? "1" : "0").append('\n'));
        priority.ifPresent(p -> sb.append("Priority: ").append(p).append('\n'));
        return sb.toString();
    }
}
