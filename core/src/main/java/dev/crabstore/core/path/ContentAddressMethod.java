package dev.crabstore.core.path;

/** How a content-addressed path's hash covers its contents. */
public enum ContentAddressMethod {
    /** sha256 of a single file's bytes, references allowed ({@code .drv} files, {@code builtins.toFile}). */
    TEXT,
    /** hash of a single file's bytes. */
    FLAT,
    /** hash of the NAR serialisation ("recursive"). */
    NAR
}
