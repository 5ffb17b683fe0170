package dev.crabstore.planner.config;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.testkit.fuzz.Fuzzer;
import dev.crabstore.testkit.fuzz.InputSource;
import dev.crabstore.testkit.fuzz.Mutator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Hostile crabstore {@code config.toml} files: only {@link InvalidFormatException} naming the file. */
class CrabstoreConfigFuzzTest {
    static final String ORIGIN = "/fuzz-input/crabstore/config.toml";
    static final String KEY = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

    static final Fuzzer FUZZ = Fuzzer.forParser("crabstore-config").extension("toml")
            .rejectsWith(InvalidFormatException.class).messageNames(ORIGIN).target(b -> {
                CrabstoreConfig.Layer l = CrabstoreConfig.parse(new String(b, StandardCharsets.UTF_8), ORIGIN);
                CrabstoreConfig.defaults().with(l.mapPaths(p -> "/base/" + p));
            }).build();

    static InputSource generator() {
        Mutator m = new Mutator(Mutator.text("""
                substituters = ["https://cache.example.org", "file:///srv/cache?priority=10"]
                trusted-public-keys = ["%s"]
                secret-key-files = ["/etc/crabstore/cache.sec"]
                store = "/var/lib/crabstore"
                narinfo-cache-negative-ttl = 60
                """.formatted(KEY), "substituters = \"file:///a file:///b\"\ntrusted-public-keys = \"%s\"\n"
                .formatted(KEY)), Mutator.text("substituters = ", "trusted-public-keys = ", "secret-key-files = ",
                "store = ", "narinfo-cache-negative-ttl = ", "[", "]", "\"", "'", ":", "=", "{", "}"));
        return m::mutate;
    }

    @Test
    void corpus() {
        FUZZ.corpus(generator());
    }

    @Test
    @Tag("slow")
    void random() {
        FUZZ.random(generator());
    }
}
