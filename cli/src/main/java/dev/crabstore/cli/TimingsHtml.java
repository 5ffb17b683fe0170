package dev.crabstore.cli;

import dev.crabstore.store.timing.TimingReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTML timing report: one self-contained page (inline CSS and script, no network) whose script draws the charts
 * as inline SVG from the report's JSON, embedded in the page.
 */
final class TimingsHtml {
    static final String PLACEHOLDER = "/*TIMINGS_DATA*/null";

    private TimingsHtml() {}

    static String render(TimingReport report) {
        String json = JsonMapper.builder().build().writeValueAsString(report.toMap());
        // Inside <script>, "</" could end the element and U+2028/9 are line ends to old parsers.
        String safe = json.replace("</", "<\\/").replace("<!--", "<\\!--").replace("\u2028", "\\u2028")
                .replace("\u2029", "\\u2029");
        String page = template();
        int at = page.indexOf(PLACEHOLDER);
        return page.substring(0, at) + safe + page.substring(at + PLACEHOLDER.length());
    }

    static String template() {
        try (InputStream in = TimingsHtml.class.getResourceAsStream("timings.html")) {
            if (in == null) {
                throw new IllegalStateException("timings.html is missing from the crabstore jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read timings.html from the crabstore jar", e);
        }
    }
}
