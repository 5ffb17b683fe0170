package dev.crabstore.store.cargo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.planner.config.CargoConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RustToolchainTest {
    @TempDir
    Path dir;

    /**
     * The probes run at the same time: a stand-in rustc answers only once all three invocations have started (and
     * fails after 30 s of waiting), so probes run one after the other fail.
     */
    @Test
    void probesRustcWithItsThreeQuestionsAtOnce() throws Exception {
        Path log = dir.resolve("started");
        Path sysroot = Files.createDirectories(dir.resolve("sysroot"));
        Path rustc = dir.resolve("rustc");
        Files.writeString(rustc, String.join("\n",
                "#!/bin/sh",
                "echo \"$*\" >> " + log,
                "i=0",
                "while [ \"$(wc -l < " + log + ")\" -lt 3 ]; do",
                "  i=$((i+1)); [ $i -gt 600 ] && { echo 'probes not concurrent' >&2; exit 1; }; sleep 0.05",
                "done",
                "case \"$*\" in",
                "  -vV) printf 'rustc 1.99.0 (fake)\\nhost: x86_64-unknown-linux-gnu\\nrelease: 1.99.0\\n' ;;",
                "  '--print sysroot') echo " + sysroot + " ;;",
                "  --print=cfg) printf 'unix\\ntarget_os=\"linux\"\\n' ;;",
                "esac", ""));
        Files.setPosixFilePermissions(rustc, PosixFilePermissions.fromString("rwxr-xr-x"));
        RustToolchain t = RustToolchain.probe(dir, Map.of("RUSTC", rustc.toString()), null, CargoConfig.empty());
        assertEquals("x86_64-unknown-linux-gnu", t.host());
        assertEquals(sysroot, t.sysroot());
        assertEquals(List.of("unix", "target_os=\"linux\""), t.cfg());
        assertTrue(t.versionText().startsWith("rustc 1.99.0"));
        assertEquals(3, Files.readAllLines(log).size());
    }
}
