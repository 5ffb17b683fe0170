package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoopFingerprintTest {
    @TempDir
    Path dir;
    Path src;
    Path out;
    Path link;
    Path fp;
    final NoopFingerprint.Replay replay = new NoopFingerprint.Replay("line 1\nline \\2\n", "took {secs}s\n");

    @BeforeEach
    void setUp() throws Exception {
        src = Files.createDirectories(dir.resolve("ws/src"));
        Files.writeString(src.resolve("lib.rs"), "pub fn f() {}\n");
        out = Files.createDirectories(dir.resolve("store/abc-out"));
        link = dir.resolve("ws/target/debug/app");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, out);
        old(src.resolve("lib.rs"));
        old(src);
        fp = NoopFingerprint.file(dir.resolve("home"), List.of("build", "--offline"), dir, Map.of("HOME", "/h"));
        NoopFingerprint.write(fp, System.currentTimeMillis(), inputs(), replay);
    }

    static void old(Path p) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }

    NoopFingerprint.Inputs inputs() {
        return new NoopFingerprint.Inputs().tree(dir.resolve("ws/src"), p -> false).file(dir.resolve("ws/absent.toml"))
                .mustExist(out).link(link, out);
    }

    @Test
    void anUnchangedWorldReplays() {
        NoopFingerprint.Replay r = NoopFingerprint.check(fp);
        assertNotNull(r);
        assertEquals(replay, r);
    }

    @Test
    void theKeyCoversArgsCwdAndRelevantEnv() {
        Path home = dir.resolve("home");
        Path base = NoopFingerprint.file(home, List.of("build"), dir, Map.of("HOME", "/h"));
        assertNotEquals(base, NoopFingerprint.file(home, List.of("build", "--release"), dir, Map.of("HOME", "/h")));
        assertNotEquals(base, NoopFingerprint.file(home, List.of("build"), dir.resolve("x"), Map.of("HOME", "/h")));
        assertNotEquals(base, NoopFingerprint.file(home, List.of("build"), dir, Map.of("HOME", "/h", "RUSTFLAGS", "-g")));
        assertEquals(base, NoopFingerprint.file(home, List.of("build"), dir, Map.of("HOME", "/h", "EDITOR", "vi")));
    }

    @Test
    void anotherCrabstoreBuildDoesNotReplayThisOnesRecord() {
        Path home = dir.resolve("home");
        Map<String, String> env = Map.of("HOME", "/h");
        Path thisBuild = NoopFingerprint.file(home, List.of("build"), dir, env);
        assertEquals(thisBuild, NoopFingerprint.file(home, List.of("build"), dir, env, NoopFingerprint.codeIdentity()));
        assertNotEquals(thisBuild, NoopFingerprint.file(home, List.of("build"), dir, env, "/opt/crabstore.jar 1 2"));
        assertNotEquals("unknown", NoopFingerprint.codeIdentity());
    }

    @Test
    void anEditedSourceDoesNotReplay() throws Exception {
        Files.writeString(src.resolve("lib.rs"), "pub fn g() {}\n");
        old(src.resolve("lib.rs")); // even with an old mtime, the size differs
        assertNull(NoopFingerprint.check(fp));
    }

    @Test
    void aSameSizeEditWithinTheRacyWindowDoesNotReplay() throws Exception {
        Files.writeString(src.resolve("lib.rs"), "pub fn g() {}\n");
        assertNull(NoopFingerprint.check(fp));
    }

    @Test
    void aNewFileDoesNotReplay() throws Exception {
        Files.writeString(src.resolve("new.rs"), "");
        assertNull(NoopFingerprint.check(fp));
    }

    @Test
    void aFileThatAppearsWhereNoneWasDoesNotReplay() throws Exception {
        Files.writeString(dir.resolve("ws/absent.toml"), "");
        assertNull(NoopFingerprint.check(fp));
    }

    @Test
    void aMissingOutputOrMovedLinkDoesNotReplay() throws Exception {
        Files.delete(link);
        Files.createSymbolicLink(link, dir.resolve("store/other"));
        assertNull(NoopFingerprint.check(fp));
        Files.delete(link);
        Files.createSymbolicLink(link, out);
        assertNotNull(NoopFingerprint.check(fp));
        Files.delete(out);
        assertNull(NoopFingerprint.check(fp));
    }

    @Test
    void inputsChangedWhileTheCommandRanLeaveNoFingerprint() throws Exception {
        Path other = dir.resolve("home/other");
        Files.writeString(src.resolve("lib.rs"), "fresh");
        NoopFingerprint.write(other, System.currentTimeMillis(), inputs(), replay);
        assertEquals(false, Files.exists(other));
    }

    @Test
    void aCorruptFingerprintIsIgnored() throws Exception {
        Files.writeString(fp, "crabstore-noop-v1\nnot a number\n\n\n");
        assertNull(NoopFingerprint.check(fp));
        Files.writeString(fp, "garbage");
        assertNull(NoopFingerprint.check(fp));
        assertNull(NoopFingerprint.check(dir.resolve("nowhere")));
    }

    @Test
    void forgetStaleDeletesOnlyFingerprintsThatWouldNotReplay() throws Exception {
        Path other = NoopFingerprint.file(dir.resolve("home"), List.of("build", "--release"), dir, Map.of("HOME", "/h"));
        NoopFingerprint.write(other, System.currentTimeMillis(), inputs(), replay);
        assertEquals(0, NoopFingerprint.forgetStale(dir.resolve("home")), "both replay");
        Files.writeString(src.resolve("lib.rs"), "pub fn g() {}\n"); // an edit: neither replays now
        old(src.resolve("lib.rs"));
        assertNull(NoopFingerprint.check(fp));
        assertEquals(2, NoopFingerprint.forgetStale(dir.resolve("home")));
        assertFalse(Files.exists(fp));
        assertFalse(Files.exists(other));
        assertEquals(0, NoopFingerprint.forgetStale(dir.resolve("nowhere")), "no var/noop at all");
    }
}
