package dev.crabstore.store.sandbox;

import dev.crabstore.store.StoreIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs commands in bubblewrap: new namespaces without network, an empty root with the host's {@code /usr} (the C
 * toolchain and system libraries that -sys crates link; see docs/architecture.md), a private {@code /tmp},
 * {@code /proc} and {@code /dev}, and otherwise only the spec's mounts. The environment is exactly the spec's.
 */
public final class BwrapSandbox implements CommandRunner {
    /** Host paths every build sees read-only: the base system, resolved the way Debian lays it out. */
    private static final List<String> HOST_PATHS = List.of("/usr", "/etc/alternatives", "/etc/ld.so.cache",
            "/etc/ld.so.conf", "/etc/ld.so.conf.d");
    private static final List<String> MERGED_USR_LINKS = List.of("bin", "lib", "lib64", "sbin");

    private final Path bwrap;

    public BwrapSandbox(Path bwrap) {
        this.bwrap = bwrap;
    }

    /** The bwrap on the PATH, if any. */
    public static java.util.Optional<BwrapSandbox> find(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir, "bwrap");
            if (Files.isExecutable(p)) {
                return java.util.Optional.of(new BwrapSandbox(p));
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public ProcessOutcome run(SandboxSpec spec) {
        return ProcessExecutor.execute(new ProcessBuilder(command(spec)).directory(Path.of("/").toFile()),
                spec.timeout());
    }

    List<String> command(SandboxSpec spec) {
        List<String> cmd = new ArrayList<>();
        cmd.add(bwrap.toString());
        cmd.add("--unshare-all");
        cmd.add("--hostname"); // as Nix's sandbox: the machine's name is no input of a build
        cmd.add("localhost");
        cmd.add("--die-with-parent");
        cmd.add("--new-session");
        cmd.add("--clearenv");
        for (String p : HOST_PATHS) {
            if (Files.exists(Path.of(p))) {
                cmd.add("--ro-bind");
                cmd.add(p);
                cmd.add(p);
            }
        }
        for (String link : MERGED_USR_LINKS) {
            Path host = Path.of("/" + link);
            if (Files.isSymbolicLink(host)) {
                cmd.add("--symlink");
                cmd.add("usr/" + link);
                cmd.add("/" + link);
            }
        }
        cmd.add("--proc");
        cmd.add("/proc");
        cmd.add("--dev");
        cmd.add("/dev");
        cmd.add("--tmpfs");
        cmd.add("/tmp");
        for (Mount m : spec.mounts()) {
            if (!Files.exists(m.hostPath())) {
                throw new StoreIOException("cannot mount " + m.hostPath() + " into the sandbox: it does not exist");
            }
            cmd.add(m.writable() ? "--bind" : "--ro-bind");
            cmd.add(m.hostPath().toString());
            cmd.add(m.sandboxPath());
        }
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            cmd.add("--setenv");
            cmd.add(e.getKey());
            cmd.add(e.getValue());
        }
        cmd.add("--chdir");
        cmd.add(spec.workDir());
        cmd.add("--");
        cmd.addAll(spec.argv());
        return cmd;
    }

    @Override
    public boolean isHermetic() {
        return true;
    }
}
