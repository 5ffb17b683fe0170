package dev.crabstore.cli;

import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.DerivedUnitHashes;
import dev.crabstore.planner.unit.InvocationPlanner;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitDependency;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitLayout;
import dev.crabstore.store.cargo.CargoPlan;
import dev.crabstore.store.cargo.CargoPlanRunner;
import dev.crabstore.store.cargo.CargoSelection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** {@code crabstore plan [cargo selection flags]}: the units cargo would build, as text, JSON or Graphviz dot. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the compilation units of a cargo build (from cargo's unit graph and metadata).")
public final class PlanCommand implements Runnable {
    private final CliContext context;

    @picocli.CommandLine.Mixin
    CargoSelectionOptions cargo;

    @Option(names = "--format", description = "text, json or dot (default: text).")
    String format = "text";

    public PlanCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        if (!List.of("text", "json", "dot").contains(format)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--format must be text, json or dot, not '" + format + "'");
        }
        Path ws = cargo.workspace();
        long t0 = System.nanoTime();
        CargoPlan plan = new CargoPlanRunner(context.env().getOrDefault("CARGO", "cargo"),
                CargoPlanRunner.cargoVariables(context.env())).plan(ws, cargo.selection());
        long t1 = System.nanoTime();
        UnitGraph g = plan.unitGraph();
        CargoMetadata md = plan.metadata();
        int invocations = synthesise(g, md, ws.toString());
        long t2 = System.nanoTime();
        switch (format) {
            case "json" -> printJson(g, md);
            case "dot" -> printDot(g, md);
            default -> printText(g, md);
        }
        context.out().flush();
        context.err().printf("planned %d units (%d invocations) in %d ms: cargo unit-graph + metadata %d ms, "
                + "synthesis %d ms%n", g.units().size(), invocations, (t2 - t0) / 1_000_000, (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000);
    }

    /** Runs the argv/env synthesis (static part; build-script outputs are not known before building). */
    private static int synthesise(UnitGraph g, CargoMetadata md, String ws) {
        UnitLayout layout = new UnitLayout() {
            public String workspaceRoot() {
                return ws;
            }

            public String packageDir(MetadataPackage pkg) {
                return pkg.manifestDir();
            }

            public String outDir(int unit) {
                return "/out/" + unit;
            }

            public List<String> dependencyDirs(int unit) {
                return List.of("/out/deps");
            }

            public String buildScriptOutDir(int runUnit) {
                return "/out/" + runUnit + "/out";
            }

            public String buildScriptProgram(int compileUnit) {
                return "/out/" + compileUnit + "/build-script-build";
            }
        };
        PlanSettings settings = new PlanSettings("cargo", "rustc", "rustdoc", "host", false, List.of(), List.of(), null,
                1, List.of(), g.rootPackageIds(), Map.of());
        InvocationPlanner planner = new InvocationPlanner(g, md, layout, new DerivedUnitHashes(g, ws, "rustc"),
                settings);
        BuildScriptOutput empty = BuildScriptOutput.empty();
        return planner.all(i -> empty).size();
    }

    private static String kind(Unit u) {
        return u.isRunCustomBuild() ? "run-build-script" : u.isBuildScriptCompile() ? "build-script"
                : u.target().kindLabel() + (u.mode().equals("build") ? "" : "/" + u.mode());
    }

    private void printText(UnitGraph g, CargoMetadata md) {
        for (int i = 0; i < g.units().size(); i++) {
            Unit u = g.unit(i);
            MetadataPackage p = md.pkg(u.pkgId(), "cargo metadata");
            List<Integer> deps = u.dependencies().stream().map(UnitDependency::index).toList();
            context.out().printf("%3d %s %s %s %s%s features=%s deps=%s%n", i, p.name(), p.version(), kind(u),
                    u.target().name(), u.platform() == null ? "" : " [" + u.platform() + "]",
                    String.join(",", u.features()), deps);
        }
    }

    private void printDot(UnitGraph g, CargoMetadata md) {
        context.out().println("digraph units {");
        for (int i = 0; i < g.units().size(); i++) {
            Unit u = g.unit(i);
            MetadataPackage p = md.pkg(u.pkgId(), "cargo metadata");
            context.out().printf("  u%d [label=\"%s %s\\n%s\"];%n", i, p.name(), p.version(), kind(u));
            for (UnitDependency d : u.dependencies()) {
                context.out().printf("  u%d -> u%d;%n", i, d.index());
            }
        }
        context.out().println("}");
    }

    private void printJson(UnitGraph g, CargoMetadata md) {
        List<Map<String, Object>> units = new ArrayList<>();
        for (int i = 0; i < g.units().size(); i++) {
            Unit u = g.unit(i);
            MetadataPackage p = md.pkg(u.pkgId(), "cargo metadata");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", i);
            m.put("package", p.name());
            m.put("version", p.version());
            m.put("pkgId", u.pkgId());
            m.put("target", u.target().name());
            m.put("kind", u.target().kind());
            m.put("crateTypes", u.target().crateTypes());
            m.put("mode", u.mode());
            m.put("platform", u.platform());
            m.put("profile", u.profile().name());
            m.put("features", u.features());
            List<Map<String, Object>> deps = new ArrayList<>();
            for (UnitDependency d : u.dependencies()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("index", d.index());
                dm.put("externCrateName", d.externCrateName());
                deps.add(dm);
            }
            m.put("dependencies", deps);
            units.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("roots", g.roots());
        root.put("units", units);
        JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        context.out().println(mapper.writeValueAsString(root));
    }
}
