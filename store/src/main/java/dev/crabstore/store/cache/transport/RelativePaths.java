package dev.crabstore.store.cache.transport;

/** Cache-relative paths are plain names below the root: no absolute paths, no {@code ..}, no empty segments. */
final class RelativePaths {
    private RelativePaths() {}

    static String check(String relativePath) {
        if (relativePath.isEmpty() || relativePath.startsWith("/") || relativePath.contains("\\")
                || relativePath.contains("\0")) {
            throw new IllegalArgumentException("invalid cache path '" + relativePath + "'");
        }
        for (String seg : relativePath.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("invalid cache path '" + relativePath + "'");
            }
        }
        return relativePath;
    }
}
