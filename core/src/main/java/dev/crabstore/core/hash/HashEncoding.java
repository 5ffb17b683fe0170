package dev.crabstore.core.hash;

/** The textual forms of a {@link Hash}. */
public enum HashEncoding {
    BASE16,
    NIX32,
    BASE64,
    SRI
}
