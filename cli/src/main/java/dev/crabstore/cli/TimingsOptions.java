package dev.crabstore.cli;

import dev.crabstore.store.timing.TimingReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code --timings[=html|json]}: a report of the build's units over time, written to
 * {@code target/crabstore-timings/} as {@code crabstore-timing-<timestamp>.<ext>} and {@code crabstore-timing.<ext>}
 * (the latest), as cargo does.
 */
public final class TimingsOptions {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    @Option(names = "--timings", arity = "0..1", fallbackValue = "html", paramLabel = "FMT",
            description = "Write a timing report to target/crabstore-timings/: html (the default: one self-contained "
                    + "page with a Gantt chart of every unit, CPU use, the critical path, the slowest units and "
                    + "totals) or json.")
    String timings;

    boolean enabled() {
        return timings != null;
    }

    /** Checks the format before anything runs. */
    void validate(picocli.CommandLine cmd) {
        if (timings != null && !timings.equals("html") && !timings.equals("json")) {
            throw new picocli.CommandLine.ParameterException(cmd, "--timings must be html or json, not '" + timings + "'");
        }
    }

    /** Writes the report under {@code workspace/target/crabstore-timings/}; answers the timestamped file. */
    Path write(Path workspace, TimingReport report) {
        Path dir = workspace.resolve("target/crabstore-timings");
        String ext = timings.equals("json") ? "json" : "html";
        Path file = dir.resolve("crabstore-timing-" + STAMP.format(report.started()) + "." + ext);
        Path latest = dir.resolve("crabstore-timing." + ext);
        try {
            Files.createDirectories(dir);
            String text = ext.equals("json") ? json(report) + "\n" : TimingsHtml.render(report);
            Path tmp = Files.createTempFile(dir, ".crabstore-timing", ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            // a temporary file is 0600; a report is for anyone who may read the workspace, as cargo's (0644)
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.copy(tmp, latest, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new dev.crabstore.store.StoreIOException("cannot write the timing report " + file + ": " + e.getMessage(),
                    e);
        }
    }

    static String json(TimingReport report) {
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build()
                .writeValueAsString(report.toMap());
    }
}
