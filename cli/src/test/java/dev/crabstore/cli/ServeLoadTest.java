package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short version of {@code bench/serve-load.sh}: wrk with 200 connections for 10 s (after a 3 s warm-up) against
 * {@code crabstore serve --sign} in its own JVM, rotating over the narinfos, then over the NARs, of a store of 20
 * paths; every request must get a 2xx answer, with no socket error (connect, read, write or timeout).
 */
class ServeLoadTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");

    @TempDir
    Path dir;

    @Test
    @Tag("slow")
    void twoHundredConnectionsGetNoErrors() throws Exception {
        Tools.require("wrk");
        Tools.require("python3");
        Map<String, String> env = CliRun.envWithHome(dir.resolve("server"));
        List<StorePath> paths = new ArrayList<>();
        Random random = new Random(5);
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(env), Clock.systemUTC())) {
            for (int i = 0; i < 20; i++) {
                Path src = Files.createDirectories(dir.resolve("src/p" + i));
                byte[] data = new byte[i < 16 ? 32 : 256 * 1024];
                random.nextBytes(data);
                Files.write(src.resolve("data"), data);
                paths.add(store.addPath(src, "load-" + i, x -> true));
            }
        }
        Path keyFile = Files.writeString(dir.resolve("serve.sec"), CliRun.run("key", "generate", "--name", "load-1")
                .assertOk().out());
        try (ServeProcess server = ServeProcess.start(env, "256m", dir.resolve("serve.err"), "--listen",
                "127.0.0.1:0", "--sign", keyFile.toString())) {
            HttpClient http = HttpClient.newHttpClient();
            StringBuilder narinfos = new StringBuilder();
            StringBuilder nars = new StringBuilder();
            for (StorePath p : paths) {
                String name = "/" + p.hashPart() + ".narinfo";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url + name)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                narinfos.append(name).append('\n');
                nars.append('/').append(NarInfo.parse(r.body(), SD, name).url()).append('\n');
            }
            Path lua = Corpus.repoRoot().resolve("bench/serve-load.lua");
            for (Map.Entry<String, String> list : Map.of("narinfos", narinfos.toString(), "nars", nars.toString())
                    .entrySet()) {
                Path file = Files.writeString(dir.resolve(list.getKey()), list.getValue());
                wrk("-c20", "-d3s", lua, server.url, file); // warm-up (JIT), not checked
                String out = wrk("-c200", "-d10s", lua, server.url, file);
                Matcher m = REQUESTS.matcher(out);
                assertTrue(m.find() && Long.parseLong(m.group(1)) > 1000, list.getKey() + ":\n" + out);
                assertFalse(out.contains("Non-2xx"), list.getKey() + ":\n" + out);
                assertFalse(out.contains("Socket errors"), list.getKey() + ":\n" + out);
            }
            assertEquals(130, server.interrupt());
            assertEquals("", server.stderrText());
        }
    }

    /**
     * Runs wrk with two threads and returns its report. Its timeout is 10 s rather than 2 s: the test shares two
     * cores with wrk and whatever else runs, and a slow answer under load is not a failed one.
     */
    static String wrk(String connections, String duration, Path lua, String url, Path list) throws Exception {
        Process wrk = new ProcessBuilder("wrk", "-t2", connections, duration, "--timeout", "10s", "-s",
                lua.toString(), url, "--", list.toString()).redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(wrk.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, wrk.exitValue(), out);
        return out;
    }
}
