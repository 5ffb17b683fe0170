package dev.crabstore.store.cargo;

import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.Invocation;
import dev.crabstore.planner.unit.InvocationPlanner;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.PackageId;
import dev.crabstore.planner.config.CargoConfig;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitHashes;
import dev.crabstore.planner.unit.UnitLayout;
import dev.crabstore.testkit.CorpusCargoBuilds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs real cargo with a recording RUSTC_WRAPPER and compares every recorded rustc invocation with crabstore's
 * synthesis for the same unit graph. Paths are identical by construction (the layout mimics cargo's target dir);
 * only 16-hex hashes are normalised and cargo's {@code -C incremental} (crabstore never uses it) is dropped.
 */
final class CargoOracle {
    static final String HASH = "0000000000000000";
    private static final Set<String> IGNORED_ENV = Set.of("CARGO_HOME", "CARGO_MAKEFLAGS", "LD_LIBRARY_PATH",
            "RUSTC_WRAPPER", "RUST_RECURSION_COUNT", "CRABREC_DIR", "RUSTC_BOOTSTRAP", "CARGO_TARGET_DIR", "PATH", "PWD",
            "OLDPWD", "SHLVL", "_");

    record Recorded(List<String> args, Map<String, String> env, String cwd) {}

    record Result(int units, int compared, List<String> differences) {}

    private final String workspace;
    private Path ws;
    private Map<String, String> buildEnv = Map.of();
    private Map<String, String> extraEnv = Map.of();

    /** An oracle for a corpus workspace ({@code small}, {@code medium}, ...). */
    CargoOracle(String workspace) {
        this.workspace = workspace;
    }

    /** What cargo runs with (CARGO_HOME, wrapper, extra env) in the shared build, once {@link #run} has run. */
    Map<String, String> cargoEnv() {
        return buildEnv;
    }

    static String exec(Path dir, Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        return CorpusCargoBuilds.run(dir, env, List.of(cmd));
    }

    /** Builds with cargo, recording each rustc call, then compares. */
    Result run(CargoSelection selection) throws Exception {
        return run(selection, Map.of(), null);
    }

    /**
     * Builds with cargo under extra environment variables (RUSTFLAGS, CARGO_*...) and with extra
     * {@code .cargo/config.toml} text in the workspace, then compares. The build is the suite's shared one
     * ({@link CorpusCargoBuilds}): other tests run the binaries it made.
     */
    Result run(CargoSelection selection, Map<String, String> extraEnv, String configToml) throws Exception {
        this.extraEnv = Map.copyOf(extraEnv);
        CorpusCargoBuilds.Build build = CorpusCargoBuilds.build(workspace, selection.flags(), extraEnv, configToml);
        this.ws = build.workspace();
        this.buildEnv = build.env();
        Map<String, String> planEnv = new HashMap<>(extraEnv);
        planEnv.put("CARGO_HOME", buildEnv.get("CARGO_HOME"));
        CargoPlan plan = new CargoPlanRunner("cargo", planEnv).plan(ws, selection);
        List<Recorded> scriptRuns = ScriptRunLog.parse(build.log());

        JsonMapper mapper = JsonMapper.builder().build();
        List<Recorded> recorded = new ArrayList<>();
        try (Stream<Path> files = Files.list(build.recordings())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                JsonNode n = mapper.readTree(Files.readString(f));
                List<String> args = new ArrayList<>();
                n.get("args").forEach(a -> args.add(a.asString()));
                Map<String, String> e = new TreeMap<>();
                n.get("env").properties().forEach(x -> e.put(x.getKey(), x.getValue().asString()));
                if (!args.get(0).equals("-")) { // cargo's own probe of rustc (--print=cfg etc.)
                    recorded.add(new Recorded(args, e, n.get("cwd").asString()));
                }
            }
        }
        return compare(plan, selection, recorded, scriptRuns);
    }

    private Result compare(CargoPlan plan, CargoSelection selection, List<Recorded> recorded,
            List<Recorded> scriptRuns) throws Exception {
        UnitGraph g = plan.unitGraph();
        CargoMetadata md = plan.metadata();
        String rustc = exec(ws, Map.of(), "rustc", "--print", "sysroot").strip() + "/bin/rustc";
        String cargoBin = recorded.isEmpty() ? "cargo" : recorded.get(0).env().getOrDefault("CARGO", "cargo");
        String host = null;
        for (String l : exec(ws, Map.of(), "rustc", "-vV").split("\n")) {
            if (l.startsWith("host: ")) {
                host = l.substring(6).strip();
            }
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("CARGO_HOME", buildEnv.get("CARGO_HOME"));
        env.putAll(extraEnv);
        CargoConfig config = CargoConfigFiles.load(ws, env, selection);
        String target = WorkspaceBuilder.explicitTarget(selection, config);
        List<String> cfg = RustToolchain.probe(ws, env, target, config).cfg();
        String triple = target != null ? target : host;
        PlanSettings settings = new PlanSettings(cargoBin, rustc, rustc.replaceAll("rustc$", "rustdoc"), host,
                target != null, config.rustflags(triple, cfg), List.of(), config.linker(triple).orElse(null), 2, cfg,
                g.rootPackageIds(), config.env(env)).withLintFlags(PackageLints.of(g, md));
        Path targetDir = ws.resolve("target");
        UnitLayout layout = new CargoLikeLayout(g, md, ws.toString(), targetDir.toString());
        UnitHashes hashes = new UnitHashes() {
            public String metadata(int unit) {
                return HASH;
            }

            public String extraFilename(int unit) {
                return HASH;
            }
        };
        InvocationPlanner planner = new InvocationPlanner(g, md, layout, hashes, settings);
        Map<Integer, BuildScriptOutput> outputs = new HashMap<>();
        for (int i = 0; i < g.units().size(); i++) {
            Unit u = g.unit(i);
            if (u.isRunCustomBuild()) {
                outputs.put(i, cargoOutput(targetDir, u, md, layout.buildScriptOutDir(i)));
            }
        }
        List<String> diffs = new ArrayList<>();
        // Multiset of normalised argv -> recorded entries.
        Map<String, List<Recorded>> byArgs = new HashMap<>();
        for (Recorded r : recorded) {
            byArgs.computeIfAbsent(key(normaliseCargo(r.args())), k -> new ArrayList<>()).add(r);
        }
        int compared = 0;
        List<Invocation> unmatched = new ArrayList<>();
        for (int i = 0; i < g.units().size(); i++) {
            if (g.unit(i).isRunCustomBuild()) {
                continue;
            }
            Invocation inv = planner.rustc(i, outputs::get);
            String k = key(normalise(inv.args()));
            List<Recorded> hits = byArgs.get(k);
            if (hits == null || hits.isEmpty()) {
                unmatched.add(inv);
                continue;
            }
            Recorded r = hits.remove(0);
            compared++;
            Map<String, String> theirs = new TreeMap<>();
            r.env().forEach((name, v) -> {
                if (!IGNORED_ENV.contains(name) && !extraEnv.containsKey(name) && !name.startsWith("RUSTUP_") && !name.contains("PYENV") && !v.equals(System.getenv(name))) {
                    theirs.put(name, norm(v));
                }
            });
            Map<String, String> ours = new TreeMap<>();
            inv.env().forEach((name, v) -> ours.put(name, norm(v)));
            if (!ours.equals(theirs)) {
                diffs.add("env of unit " + i + " (" + g.unit(i).target().name() + "): ours-only="
                        + minus(ours, theirs) + " cargo-only=" + minus(theirs, ours));
            }
            if (!norm(inv.cwd()).equals(norm(r.cwd()))) {
                diffs.add("cwd of unit " + i + ": ours " + inv.cwd() + " cargo " + r.cwd());
            }
        }
        for (int i = 0; i < g.units().size(); i++) {
            if (!g.unit(i).isRunCustomBuild()) {
                continue;
            }
            Invocation inv = planner.buildScriptRun(i, outputs::get);
            String program = norm(inv.program());
            Map<String, String> ours = new TreeMap<>();
            // cargo -vv prints CARGO_ENCODED_RUSTFLAGS without its 0x1f separators: compare it as printed.
            inv.env().forEach((name, v) -> ours.put(name, norm(name.equals("CARGO_ENCODED_RUSTFLAGS")
                    ? v.replace("\u001f", "") : v)));
            Recorded best = null;
            int bestDiff = Integer.MAX_VALUE;
            for (Recorded r : scriptRuns) {
                if (!norm(r.args().get(0)).equals(program)) {
                    continue;
                }
                Map<String, String> theirs = scriptEnv(r);
                int d = minus(ours, theirs).size() + minus(theirs, ours).size();
                if (d < bestDiff) {
                    best = r;
                    bestDiff = d;
                }
            }
            if (best == null) {
                diffs.add("cargo did not run the build script of unit " + i + ": " + program);
                continue;
            }
            scriptRuns.remove(best);
            compared++;
            Map<String, String> theirs = scriptEnv(best);
            if (bestDiff != 0) {
                diffs.add("build-script env of unit " + i + " (" + g.unit(i).pkgId() + "): ours-only="
                        + minus(ours, theirs) + " cargo-only=" + minus(theirs, ours));
            }
        }
        for (Invocation inv : unmatched) {
            List<String> ours = normalise(inv.args());
            String name = ours.get(1);
            List<String> closest = null;
            for (List<Recorded> rs : byArgs.values()) {
                for (Recorded r : rs) {
                    List<String> c = normaliseCargo(r.args());
                    if (c.get(1).equals(name) && c.get(3).equals(ours.get(3))) {
                        closest = c;
                    }
                }
            }
            diffs.add("unit " + inv.unit() + " (" + name + ") has no identical cargo invocation\n  ours:  "
                    + String.join(" ", ours) + "\n  cargo: " + (closest == null ? "(none)" : String.join(" ", closest)));
        }
        for (List<Recorded> rs : byArgs.values()) {
            for (Recorded r : rs) {
                if (unmatched.stream().noneMatch(inv -> normalise(inv.args()).get(1).equals(r.args().get(1)))) {
                    diffs.add("cargo ran rustc for a unit crabstore did not plan: " + String.join(" ", r.args()));
                }
            }
        }
        return new Result(g.units().size(), compared, diffs);
    }

    private Map<String, String> scriptEnv(Recorded r) {
        Map<String, String> theirs = new TreeMap<>();
        r.env().forEach((name, v) -> {
            if (!IGNORED_ENV.contains(name) && !extraEnv.containsKey(name)) {
                theirs.put(name, norm(v));
            }
        });
        return theirs;
    }

    private static Map<String, String> minus(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new TreeMap<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The stored stdout of the script run cargo executed for this unit (matched by package and OUT_DIR shape). */
    private static BuildScriptOutput cargoOutput(Path targetDir, Unit u, CargoMetadata md, String ourOutDir)
            throws IOException {
        PackageId id = u.packageId();
        Path buildDir = Path.of(ourOutDir).getParent().getParent();
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(buildDir)) {
            try (Stream<Path> s = Files.list(buildDir)) {
                s.filter(p -> p.getFileName().toString().matches(md.pkg(u.pkgId(), "oracle").name()
                        .replace(".", "\\.") + "-[0-9a-f]{16}") && Files.isRegularFile(p.resolve("output")))
                        .sorted().forEach(candidates::add);
            }
        }
        if (candidates.isEmpty()) {
            return BuildScriptOutput.empty();
        }
        Path chosen = candidates.get(0);
        String out = Files.readString(chosen.resolve("output"));
        // Our OUT_DIR differs from cargo's only by the hash, which is normalised; keep cargo's text verbatim.
        return BuildScriptOutput.parse(out, id.name());
    }

    static String key(List<String> args) {
        return String.join("\u0000", args);
    }

    static String norm(String s) {
        return s.replaceAll("[0-9a-f]{16}", "<H>");
    }

    static List<String> normalise(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(norm(a));
        }
        return out;
    }

    /** Cargo's argv minus {@code -C incremental=...}, hashes normalised. */
    static List<String> normaliseCargo(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-C") && i + 1 < args.size() && args.get(i + 1).startsWith("incremental=")) {
                i++;
                continue;
            }
            if (args.get(i).equals("warn") && i > 0 && args.get(i - 1).equals("--cap-lints")) {
                out.add("allow"); // -vv turns cargo's --cap-lints allow into warn (cargo-mechanics §2.2 row 31)
                continue;
            }
            out.add(norm(args.get(i)));
        }
        return out;
    }

    static MetadataPackage unused() {
        return null;
    }
}
