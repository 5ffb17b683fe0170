package dev.crabstore.store.cargo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The user's cargo selection flags, passed through verbatim: -p, --workspace, --features, --all-features,
 * --no-default-features, --release, --profile, --lib, --bins, --bin, --examples, --example, --tests, --test,
 * --benches, --bench, --all-targets, --exclude, --target, --offline, --locked, --frozen, --config, --manifest-path; and the cargo command whose units they select: {@code build} or
 * {@code test} (whose unit graph has the test harness units, as {@code cargo test} builds them).
 */
public record CargoSelection(String command, List<String> flags) {
    private static final List<String> WITH_VALUE = List.of("-p", "--package", "--features", "-F", "--profile", "--bin",
            "--example", "--test", "--bench", "--target", "--manifest-path", "--exclude", "--config");
    private static final List<String> SWITCHES = List.of("--workspace", "--all-features", "--no-default-features",
            "--release", "--lib", "--bins", "--examples", "--tests", "--benches", "--all-targets", "--offline", "--locked",
            "--frozen", "-r");

    public CargoSelection {
        if (!command.equals("build") && !command.equals("test")) {
            throw new IllegalArgumentException("cargo command must be build or test, not '" + command + "'");
        }
        flags = List.copyOf(flags);
        for (int i = 0; i < flags.size(); i++) {
            String f = flags.get(i);
            String name = f.contains("=") ? f.substring(0, f.indexOf('=')) : f;
            if (WITH_VALUE.contains(name)) {
                if (!f.contains("=")) {
                    i++;
                    if (i >= flags.size()) {
                        throw new IllegalArgumentException("cargo flag " + f + " needs a value");
                    }
                }
            } else if (!SWITCHES.contains(f)) {
                throw new IllegalArgumentException("unsupported cargo selection flag '" + f + "'");
            }
        }
    }

    /** The units of {@code cargo build} with these flags. */
    public CargoSelection(List<String> flags) {
        this("build", flags);
    }

    public static CargoSelection of(String... flags) {
        return new CargoSelection(List.of(flags));
    }

    /** The same flags, selecting the units of {@code cargo test} (test harnesses of the selected targets). */
    public CargoSelection forTest() {
        return new CargoSelection("test", flags);
    }

    /** The flags {@code cargo metadata} understands (features, offline/locked, manifest path, filter-platform). */
    public List<String> metadataFlags() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < flags.size(); i++) {
            String f = flags.get(i);
            String name = f.contains("=") ? f.substring(0, f.indexOf('=')) : f;
            boolean keep = List.of("--features", "-F", "--all-features", "--no-default-features", "--offline", "--locked",
                    "--frozen", "--manifest-path", "--config").contains(name);
            boolean hasValue = WITH_VALUE.contains(name) && !f.contains("=");
            if (name.equals("--target")) {
                out.add("--filter-platform");
                if (hasValue) {
                    out.add(flags.get(++i));
                } else {
                    out.add(f.substring(f.indexOf('=') + 1));
                }
                continue;
            }
            if (keep) {
                out.add(f);
                if (hasValue) {
                    out.add(flags.get(i + 1));
                }
            }
            if (hasValue) {
                i++;
            }
        }
        return out;
    }

    public boolean has(String flag) {
        return flags.contains(Objects.requireNonNull(flag));
    }

    /** Every value given to a flag that takes one ({@code --flag v} or {@code --flag=v}), in order. */
    public List<String> values(String flag) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < flags.size(); i++) {
            String f = flags.get(i);
            if (f.equals(flag) && i + 1 < flags.size()) {
                out.add(flags.get(++i));
            } else if (f.startsWith(flag + "=")) {
                out.add(f.substring(flag.length() + 1));
            }
        }
        return out;
    }
}
