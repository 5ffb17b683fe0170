package dev.crabstore.store.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Remembers which caches did not have which paths, for a while ({@code narinfo-cache-negative-ttl}), so that a build
 * does not ask again for every unit each time. One line per miss ({@code epochSeconds url hashPart}), appended; a
 * torn or stale line is ignored, and a file mostly made of stale lines is rewritten without them.
 */
final class NarinfoMisses {
    /** A file with more lines than this, over half of them stale, is rewritten when read. */
    static final int COMPACT_AT = 10_000;

    private final Path file;
    private final Clock clock;
    private final Duration ttl;
    private Map<String, Long> misses;

    NarinfoMisses(Path file, Clock clock, Duration ttl) {
        this.file = file;
        this.clock = clock;
        this.ttl = ttl;
    }

    synchronized boolean recentlyMissing(String url, String hashPart) {
        Long at = load().get(url + " " + hashPart);
        return at != null && clock.instant().getEpochSecond() - at < ttl.toSeconds();
    }

    synchronized void record(String url, String hashPart) {
        if (ttl.isZero() || recentlyMissing(url, hashPart)) {
            return;
        }
        long now = clock.instant().getEpochSecond();
        load().put(url + " " + hashPart, now);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, now + " " + url + " " + hashPart + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // only a cache of answers
        }
    }

    private Map<String, Long> load() {
        if (misses == null) {
            misses = new HashMap<>();
            try {
                List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
                for (String l : lines) {
                    String[] f = l.split(" ");
                    if (f.length == 3 && f[0].matches("\\d+")) {
                        misses.merge(f[1] + " " + f[2], Long.parseLong(f[0]), Math::max);
                    }
                }
                long now = clock.instant().getEpochSecond();
                misses.values().removeIf(at -> now - at >= ttl.toSeconds());
                if (lines.size() > COMPACT_AT && lines.size() > 2 * misses.size()) {
                    compact();
                }
            } catch (IOException | RuntimeException e) {
                // start afresh
            }
        }
        return misses;
    }

    /** Rewrites the file with only the live entries (a miss another process appends meanwhile may be lost). */
    private void compact() throws IOException {
        StringBuilder b = new StringBuilder();
        misses.forEach((k, at) -> b.append(at).append(' ').append(k).append('\n'));
        Path temp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        Files.writeString(temp, b, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
