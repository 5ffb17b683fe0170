package dev.crabstore.store.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.testkit.Tools;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real bubblewrap: what a build can and cannot see. */
class BwrapSandboxTest {
    @TempDir
    Path dir;

    BwrapSandbox sandbox;

    @BeforeEach
    void find() {
        Tools.require("bwrap");
        sandbox = BwrapSandbox.find(System.getenv()).orElseThrow();
    }

    ProcessOutcome sh(String script, List<Mount> mounts, Map<String, String> env) {
        return sandbox.run(new SandboxSpec(List.of("/bin/sh", "-c", script), env, "/build", mounts,
                Duration.ofSeconds(30)));
    }

    @Test
    void seesOnlyItsMountsAndItsEnvironment() throws Exception {
        Path input = Files.createDirectories(dir.resolve("in"));
        Files.writeString(input.resolve("f"), "input");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path build = Files.createDirectories(dir.resolve("build"));
        ProcessOutcome r = sh("cat /crabstore/store/aaa-in/f > $out/copy; echo $HOME; env | sort | cut -d= -f1 | tr '\\n' ' ';"
                + " test -e /work && echo SEES_WORK; test -e /root/.cargo && echo SEES_HOME;"
                + " touch /crabstore/store/aaa-in/g 2>/dev/null && echo WROTE_INPUT; pwd",
                List.of(Mount.readOnly(input, "/crabstore/store/aaa-in"), Mount.writable(out, "/crabstore/store/bbb-out"),
                        Mount.writable(build, "/build")),
                Map.of("out", "/crabstore/store/bbb-out", "HOME", "/homeless-shelter", "PATH", "/usr/bin:/bin"));
        assertTrue(r.succeeded(), r.stderrText());
        assertEquals("input", Files.readString(out.resolve("copy")));
        String text = r.stdoutText();
        assertTrue(text.contains("/homeless-shelter"), text);
        assertFalse(text.contains("SEES_WORK"), text);
        assertFalse(text.contains("SEES_HOME"), text);
        assertFalse(text.contains("WROTE_INPUT"), text);
        assertTrue(text.contains("/build"), text);
        assertFalse(text.contains("USER "), "no caller env leaks: " + text);
    }

    /** A review found the host's name visible to builds (a build script embedding it would differ per machine). */
    @Test
    void isCalledLocalhost() throws Exception {
        ProcessOutcome r = sh("cat /proc/sys/kernel/hostname", List.of(Mount.writable(
                Files.createDirectories(dir.resolve("build")), "/build")), Map.of("PATH", "/usr/bin:/bin"));
        assertTrue(r.succeeded(), r.stderrText());
        assertEquals("localhost", r.stdoutText().strip());
    }

    @Test
    void hasNoNetwork() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        try {
            int port = server.getAddress().getPort();
            ProcessOutcome r = sh("exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo CONNECTED", List.of(),
                    Map.of("PATH", "/usr/bin:/bin"));
            // /bin/sh is dash, which has no /dev/tcp; use bash explicitly.
            ProcessOutcome b = sandbox.run(new SandboxSpec(List.of("/bin/bash", "-c",
                    "exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo CONNECTED"), Map.of(), "/", List.of(),
                    Duration.ofSeconds(30)));
            assertFalse(r.stdoutText().contains("CONNECTED"));
            assertFalse(b.stdoutText().contains("CONNECTED"), b.stdoutText());
            assertNotEquals(0, b.exitCode());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void killsOnTimeout() {
        ProcessOutcome r = sandbox.run(new SandboxSpec(List.of("/bin/sleep", "60"), Map.of(), "/", List.of(),
                Duration.ofMillis(500)));
        assertTrue(r.timedOut());
        assertFalse(r.succeeded());
    }
}
