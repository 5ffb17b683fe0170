package dev.crabstore.planner.config;

import java.util.Objects;

/**
 * The text of one cargo config source.
 *
 * @param origin  the file it came from (an absolute path), or {@code --config} for a command-line value
 * @param baseDir the directory relative paths in it are resolved against: the parent of the {@code .cargo}
 *                directory holding the file (cargo's rule), or the current directory for {@code --config}
 */
public record ConfigLayer(String origin, String baseDir, String text) {
    public ConfigLayer {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(text, "text");
    }
}
