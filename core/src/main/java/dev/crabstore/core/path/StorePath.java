package dev.crabstore.core.path;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Nix32;

/**
 * A store path without its store dir: {@code <hashPart>-<name>}, the 32-character Nix32 hash part and a name that
 * follows Nix's rules. The absolute form needs a {@link StoreDir}.
 */
public record StorePath(String hashPart, String name) implements Comparable<StorePath> {
    public static final int HASH_PART_LENGTH = 32;
    public static final int MAX_NAME_LENGTH = 211;

    public StorePath {
        if (hashPart == null || hashPart.length() != HASH_PART_LENGTH) {
            throw new InvalidFormatException("store path hash part '" + hashPart + "' must have "
                    + HASH_PART_LENGTH + " characters");
        }
        for (int i = 0; i < hashPart.length(); i++) {
            if (!Nix32.isValidChar(hashPart.charAt(i))) {
                throw new InvalidFormatException("store path hash part '" + hashPart + "' has invalid character '"
                        + hashPart.charAt(i) + "'");
            }
        }
        validateName(name);
    }

    /** Parses {@code <hash>-<name>}. */
    public static StorePath parseBaseName(String baseName) {
        if (baseName.length() < HASH_PART_LENGTH + 2 || baseName.charAt(HASH_PART_LENGTH) != '-') {
            throw new InvalidFormatException("'" + baseName + "' is not a store path base name (<32-char hash>-<name>)");
        }
        return new StorePath(baseName.substring(0, HASH_PART_LENGTH), baseName.substring(HASH_PART_LENGTH + 1));
    }

    /**
     * Nix's name rules: 1 to 211 characters from {@code [A-Za-z0-9+-._?=]}; like newer Nix, not {@code .} or
     * {@code ..}, and not starting with {@code .-} or {@code ..-}; crabstore also refuses a leading dot.
     */
    public static void validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidFormatException("store path name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidFormatException("store path name '" + name + "' is longer than " + MAX_NAME_LENGTH
                    + " characters");
        }
        if (name.charAt(0) == '.') {
            throw new InvalidFormatException("store path name '" + name + "' must not start with '.'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '-' || c == '.' || c == '_' || c == '?' || c == '=';
            if (!ok) {
                throw new InvalidFormatException("store path name '" + name + "' contains the invalid character '"
                        + c + "' (allowed: letters, digits and + - . _ ? =)");
            }
        }
    }

    /** Turns an arbitrary label (a crate name, a file name) into a valid store path name. */
    public static String sanitizeName(String label) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < label.length() && sb.length() < MAX_NAME_LENGTH; i++) {
            char c = label.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '-' || c == '.' || c == '_' || c == '?' || c == '=';
            sb.append(ok ? c : '_');
        }
        while (sb.length() > 0 && sb.charAt(0) == '.') {
            sb.setCharAt(0, '_');
        }
        return sb.length() == 0 ? "unnamed" : sb.toString();
    }

    public String baseName() {
        return hashPart + "-" + name;
    }

    public boolean isDerivation() {
        return name.endsWith(".drv");
    }

    @Override
    public int compareTo(StorePath o) {
        return baseName().compareTo(o.baseName());
    }

    @Override
    public String toString() {
        return baseName();
    }
}
