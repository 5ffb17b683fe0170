package dev.crabstore.cli;

import dev.crabstore.store.cargo.NoopFingerprint;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitDependency;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.time.Clock;
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
        description = "Print the compilation units of a cargo build (from cargo's unit graph, or a recorded legacy "
                + "build plan, and cargo metadata).")
public final class PlanCommand implements Runnable {
    private CliContext context;

    @picocli.CommandLine.Mixin
    CargoSelectionOptions cargo;

    @Option(names = "--format", description = "text, json or dot (default: text).")
    String format = "text";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public PlanCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        if (!List.of("text", "json", "dot").contains(format)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be text, json or dot, not '" + format + "'");
        }
        Path ws = cargo.workspace();
        long t0 = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        StoreHome home = StoreHome.fromEnvironment(context.env());
        Path fingerprint = NoopFingerprint.file(home.root(), context.args(), Path.of("").toAbsolutePath(), context.env());
        NoopFingerprint.delete(fingerprint);
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        CliContext real = context;
        context = real.withOut(new java.io.PrintStream(buffer, false, java.nio.charset.StandardCharsets.UTF_8));
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            WorkspaceBuilder builder = new WorkspaceBuilder(store, context.env());
            WorkspaceBuilder.Planned planned = builder.plan(ws, cargo.selection(), cargo.buildPlan());
            UnitGraph g = planned.cargo().unitGraph();
            CargoMetadata md = planned.cargo().metadata();
            switch (format) {
                case "json" -> printJson(g, md, planned, store.storeDir());
                case "dot" -> printDot(g, md);
                default -> printText(g, md, planned, store.storeDir());
            }
            context.out().flush();
            String text = buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
            real.out().print(text);
            real.out().flush();
            context.err().printf("planned %d units in %d ms%n", g.units().size(), (System.nanoTime() - t0) / 1_000_000);
            if (!context.args().isEmpty() && cargo.buildPlan() == null) {
                try {
                    NoopFingerprint.write(fingerprint, startMillis, builder.fingerprintInputs(ws, cargo.selection(),
                            planned, List.of()), new NoopFingerprint.Replay(text, "planned " + g.units().size()
                            + " units in {ms} ms (unchanged, from the fingerprint)\n"));
                } catch (java.io.IOException e) {
                    context.err().println("warning: cannot record the plan fingerprint " + fingerprint + ": " + e);
                }
            }
        } finally {
            context = real;
        }
    }

    private static String kind(Unit u) {
        return UnitLabels.kind(u);
    }

    private void printText(UnitGraph g, CargoMetadata md, WorkspaceBuilder.Planned planned, StoreDir sd) {
        for (int i = 0; i < g.units().size(); i++) {
            Unit u = g.unit(i);
            MetadataPackage p = md.pkg(u.pkgId(), "cargo metadata");
            List<Integer> deps = u.dependencies().stream().map(UnitDependency::index).toList();
            context.out().printf("%3d %s %s %s %s%s features=%s deps=%s%n      %s%n      -> %s%n", i, p.name(),
                    p.version(), kind(u), u.target().name(), u.platform() == null ? "" : " [" + u.platform() + "]",
                    String.join(",", u.features()), deps, sd.print(planned.plan().drvPaths().get(i)),
                    sd.print(planned.plan().outputs().get(i)));
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

    private void printJson(UnitGraph g, CargoMetadata md, WorkspaceBuilder.Planned planned, StoreDir sd) {
        List<Map<String, Object>> units = new ArrayList<>();
        for (int i = 0; i < g.units().size(); i++) {
            Unit u = g.unit(i);
            MetadataPackage p = md.pkg(u.pkgId(), "cargo metadata");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", i);
            m.put("drvPath", sd.print(planned.plan().drvPaths().get(i)));
            m.put("outPath", sd.print(planned.plan().outputs().get(i)));
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
        List<Map<String, Object>> sources = new ArrayList<>();
        new java.util.TreeMap<>(planned.sources()).forEach((id, src) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pkgId", id);
            m.put("path", sd.print(src.path()));
            src.drv().ifPresent(d -> m.put("drvPath", sd.print(d)));
            if (!src.subdir().isEmpty()) {
                m.put("subdir", src.subdir());
            }
            sources.add(m);
        });
        root.put("sources", sources);
        JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        context.out().println(mapper.writeValueAsString(root));
    }
}
