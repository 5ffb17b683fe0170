package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading back where a path came from: what {@code crabstore test} marks a substituted report with. */
class ProvenanceTest {
    static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

    @Test
    void aSubstitutedRecordNamesItsCache() {
        String record = Provenance.substituted(T, "file:///srv/cache");
        assertEquals(Optional.of("file:///srv/cache"), Provenance.substitutedFrom(record));
        // checked or repaired later: still where it came from
        assertEquals(Optional.of("file:///srv/cache"), Provenance.substitutedFrom(Provenance.checked(record, T, true)));
    }

    @Test
    void builtDamagedOrForeignRecordsNameNone() {
        assertEquals(Optional.empty(), Provenance.substitutedFrom(Provenance.built(T, Map.of("rustc", "1.0"),
                List.of())));
        assertEquals(Optional.empty(), Provenance.substitutedFrom("{\"how\":\"built\",\"from\":\"file:///x\"}"));
        assertEquals(Optional.empty(), Provenance.substitutedFrom("{\"how\":\"substituted\",\"from\":7}"));
        assertEquals(Optional.empty(), Provenance.substitutedFrom("{\"how\":\"substituted\""));
        assertEquals(Optional.empty(), Provenance.substitutedFrom("not json"));
    }
}
