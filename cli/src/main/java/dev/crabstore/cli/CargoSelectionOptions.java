package dev.crabstore.cli;

import dev.crabstore.store.cargo.CargoSelection;
import dev.crabstore.store.cargo.WorkspaceLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** cargo's package and target selection flags, passed through to cargo's plan, and where the workspace is. */
public final class CargoSelectionOptions {
    private final CliContext context;
    private WorkspaceLocation location;

    @Option(names = "--dir", paramLabel = "DIR", description = "Run as if in DIR, a workspace's or a member's "
            + "directory or one below it (default: the current directory).")
    Path dir;

    @Option(names = "--manifest-path", paramLabel = "PATH", description = "Path to a Cargo.toml: the workspace's, "
            + "or a member's (which selects that member, as cargo does).")
    Path manifestPath;

    @Option(names = {"-p", "--package"}, paramLabel = "SPEC", description = "Package(s) to build.")
    List<String> packages = new ArrayList<>();

    @Option(names = "--workspace", description = "All workspace members.")
    boolean workspace;

    @Option(names = {"-F", "--features"}, paramLabel = "FEATURES", description = "Features to activate.")
    List<String> features = new ArrayList<>();

    @Option(names = "--all-features", description = "Activate all features.")
    boolean allFeatures;

    @Option(names = "--no-default-features", description = "Do not activate the default feature.")
    boolean noDefaultFeatures;

    @Option(names = {"-r", "--release"}, description = "The release profile.")
    boolean release;

    @Option(names = "--profile", paramLabel = "NAME", description = "Build with this profile.")
    String profile;

    @Option(names = "--lib", description = "Only the library.")
    boolean lib;

    @Option(names = "--bins", description = "All binaries.")
    boolean bins;

    @Option(names = "--bin", paramLabel = "NAME", description = "Only this binary.")
    List<String> bin = new ArrayList<>();

    @Option(names = "--examples", description = "All examples (linked into target/<profile>/examples/).")
    boolean examples;

    @Option(names = "--example", paramLabel = "NAME", description = "Only this example.")
    List<String> example = new ArrayList<>();

    @Option(names = "--benches", description = "All benchmark targets.")
    boolean benches;

    @Option(names = "--bench", paramLabel = "NAME", description = "Only this benchmark target.")
    List<String> bench = new ArrayList<>();

    @Option(names = "--all-targets", description = "Every target: lib, bins, examples, tests and benches.")
    boolean allTargets;

    @Option(names = "--exclude", paramLabel = "SPEC", description = "With --workspace: leave this package out.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--tests", description = "All tests.")
    boolean tests;

    @Option(names = "--test", paramLabel = "NAME", description = "Only this integration test (tests/NAME.rs).")
    List<String> test = new ArrayList<>();

    @Option(names = "--target", paramLabel = "TRIPLE", description = "Build for this target.")
    String target;

    @Option(names = "--offline", description = "Do not access the network.")
    boolean offline;

    @Option(names = "--locked", description = "Require Cargo.lock to be up to date.")
    boolean locked;

    @Option(names = "--frozen", description = "Require Cargo.lock to be up to date, without network (--locked "
            + "--offline).")
    boolean frozen;

    @Option(names = "--config", paramLabel = "KEY=VALUE|FILE", description = "Override a cargo config value, or add "
            + "a config file (as cargo's --config; later ones win). Part of the plan's key.")
    List<String> config = new ArrayList<>();

    @Option(names = "--build-plan", paramLabel = "FILE", description = "Take the units from this recorded legacy "
            + "`cargo build --build-plan` JSON (cargo 1.28-1.92) instead of cargo's unit graph; cargo metadata is "
            + "still run.")
    Path buildPlan;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    public CargoSelectionOptions(CliContext context) {
        this.context = context;
    }

    /**
     * The legacy build plan file, or null. A recorded plan has fixed the packages, targets, features and profile,
     * so the flags that would choose them are refused with it rather than silently ignored.
     */
    Path buildPlan() {
        if (buildPlan == null) {
            return null;
        }
        List<String> clash = new ArrayList<>();
        if (!packages.isEmpty()) {
            clash.add("--package");
        }
        if (workspace) {
            clash.add("--workspace");
        }
        if (!features.isEmpty()) {
            clash.add("--features");
        }
        if (allFeatures) {
            clash.add("--all-features");
        }
        if (noDefaultFeatures) {
            clash.add("--no-default-features");
        }
        if (release) {
            clash.add("--release");
        }
        if (profile != null) {
            clash.add("--profile");
        }
        if (lib) {
            clash.add("--lib");
        }
        if (bins) {
            clash.add("--bins");
        }
        if (!bin.isEmpty()) {
            clash.add("--bin");
        }
        if (examples) {
            clash.add("--examples");
        }
        if (tests) {
            clash.add("--tests");
        }
        if (!test.isEmpty()) {
            clash.add("--test");
        }
        if (target != null) {
            clash.add("--target");
        }
        if (!clash.isEmpty()) {
            throw new ParameterException(command.commandLine(), String.join(", ", clash)
                    + " cannot be combined with --build-plan: the recorded plan already fixes the units it builds");
        }
        return buildPlan.toAbsolutePath().normalize();
    }

    /** The workspace root, found as cargo finds it from the directory (or manifest path) given. */
    Path workspace() {
        buildPlan(); // a usage error of the flags comes before looking for the workspace
        return location().root();
    }

    /**
     * Where the command works (computed once): cargo's manifest ({@code --manifest-path}, else the nearest Cargo.toml
     * of the directory or a parent) and its workspace's root.
     */
    private WorkspaceLocation location() {
        if (location == null) {
            Path cwd = Path.of("").toAbsolutePath();
            location = WorkspaceLocation.find(dir != null ? cwd.resolve(dir).normalize() : cwd, manifestPath,
                    context.env());
        }
        return location;
    }

    /** The flags cargo gets in the workspace root; a member's manifest selects that member, as in its directory. */
    CargoSelection selection() {
        List<String> f = new ArrayList<>(location().manifestPathFlag());
        packages.forEach(p -> f.addAll(List.of("-p", p)));
        features.forEach(x -> f.addAll(List.of("--features", x)));
        bin.forEach(x -> f.addAll(List.of("--bin", x)));
        test.forEach(x -> f.addAll(List.of("--test", x)));
        example.forEach(x -> f.addAll(List.of("--example", x)));
        bench.forEach(x -> f.addAll(List.of("--bench", x)));
        exclude.forEach(x -> f.addAll(List.of("--exclude", x)));
        if (benches) {
            f.add("--benches");
        }
        if (allTargets) {
            f.add("--all-targets");
        }
        if (workspace) {
            f.add("--workspace");
        }
        if (allFeatures) {
            f.add("--all-features");
        }
        if (noDefaultFeatures) {
            f.add("--no-default-features");
        }
        if (release) {
            f.add("--release");
        }
        if (profile != null) {
            f.addAll(List.of("--profile", profile));
        }
        if (lib) {
            f.add("--lib");
        }
        if (bins) {
            f.add("--bins");
        }
        if (examples) {
            f.add("--examples");
        }
        if (tests) {
            f.add("--tests");
        }
        if (target != null) {
            f.addAll(List.of("--target", target));
        }
        if (offline) {
            f.add("--offline");
        }
        if (locked) {
            f.add("--locked");
        }
        if (frozen) {
            f.add("--frozen");
        }
        for (String c : config) {
            f.addAll(List.of("--config", c));
        }
        return new CargoSelection(f);
    }
}
