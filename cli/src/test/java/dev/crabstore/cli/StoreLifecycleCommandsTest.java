package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code store verify}, {@code why-depends} and {@code store path-info -r -S} on a built workspace. */
class StoreLifecycleCommandsTest {
    @TempDir
    Path dir;

    @Test
    void verifyWhyDependsAndClosures() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        CliRun clean = CliRun.run(new byte[0], env, "store", "verify", "--check-contents").assertOk();
        assertTrue(clean.stderr().contains("and their contents: no problems"), clean.stderr());

        JsonNode plan = JsonMapper.builder().build().readTree(CliRun.run(new byte[0], env, "plan", "--dir",
                ws.toString(), "--offline", "--format", "json").assertOk().out());
        String helloDrv = null;
        String greetSource = null;
        for (JsonNode u : plan.get("units")) {
            if (u.get("target").asString().equals("hello")) {
                helloDrv = u.get("drvPath").asString();
            }
        }
        for (JsonNode s : plan.get("sources")) {
            if (s.get("pkgId").asString().contains("greet#")) {
                greetSource = s.get("path").asString();
            }
        }
        CliRun why = CliRun.run(new byte[0], env, "why-depends", helloDrv, greetSource).assertOk();
        String[] lines = why.out().split("\n");
        assertEquals(helloDrv, lines[0]);
        assertTrue(why.out().contains("└───" + greetSource), why.out());
        assertTrue(why.out().contains(" at byte "), why.out());

        CliRun closure = CliRun.run(new byte[0], env, "store", "path-info", "-r", "-S", helloDrv).assertOk();
        assertTrue(closure.out().lines().count() > 3, closure.out());
        assertTrue(closure.out().contains(greetSource + "\t"), closure.out());

        // A path may be named by its physical location, a file inside it, or a link into it (target/debug/hello).
        Path exe = ws.resolve("target/debug/hello").toRealPath();
        String helloOut = "/crabstore/store/" + dir.resolve("home/store").relativize(exe).getName(0);
        for (String name : new String[] {exe.toString(), exe.getParent().toString(),
                ws.resolve("target/debug/hello").toString()}) {
            CliRun info = CliRun.run(new byte[0], env, "store", "path-info", name).assertOk();
            assertTrue(info.out().startsWith(helloOut + "\t"), name + ": " + info.out());
        }
        CliRun outside = CliRun.run(new byte[0], env, "store", "path-info", ws.resolve("Cargo.toml").toString());
        assertEquals(2, outside.exitCode());
        assertTrue(outside.stderr().contains("is not in the store dir /crabstore/store (nor in its location on this "
                + "machine, " + dir.resolve("home/store") + ")"), outside.stderr());

        // Break the store three ways: every one is reported, and the command fails.
        Path store = dir.resolve("home/store");
        Path greet = store.resolve(greetSource.substring(greetSource.lastIndexOf('/') + 1));
        Path lib = greet.resolve("src/lib.rs");
        greet.resolve("src").toFile().setWritable(true);
        lib.toFile().setWritable(true);
        Files.writeString(lib, Files.readString(lib) + "\n// tampered\n");
        Files.createDirectories(store.resolve("00000000000000000000000000000000-stray"));
        CliRun broken = CliRun.run(new byte[0], env, "store", "verify", "--check-contents");
        assertEquals(1, broken.exitCode(), broken.stderr());
        assertTrue(broken.out().contains("corrupt: " + greetSource), broken.out());
        assertTrue(broken.out().contains("unregistered: ") && broken.out().contains("-stray"), broken.out());
        assertTrue(broken.stderr().contains("2 problems"), broken.stderr());
    }
}
