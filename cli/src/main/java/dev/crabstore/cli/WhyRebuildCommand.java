package dev.crabstore.cli;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlan;
import dev.crabstore.planner.diff.DerivationDiff;
import dev.crabstore.planner.diff.RebuildReasons;
import dev.crabstore.store.build.RealisePlan;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.cargo.CargoSelection;
import dev.crabstore.store.cargo.LastBuilds;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.diff.StoreDerivations;
import dev.crabstore.store.diff.StoreSourceTrees;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code crabstore why-rebuild [selection]}: plans the workspace as it is now (nothing is built), asks the configured
 * binary caches as {@code build} would (narinfos only), and says what the next build does with the units whose outputs
 * are not in the store: those it compiles grouped by root cause against the last {@code crabstore build} of the same
 * workspace and selection, those it fetches by cache, and those it does not need.
 */
@Command(name = "why-rebuild", mixinStandardHelpOptions = true,
        description = "Plan the workspace as it is now, without building, and say which units the next build must "
                + "rebuild and why, grouped by root cause (a changed source file, a feature, RUSTFLAGS, a version), "
                + "compared with the last 'crabstore build' of the same workspace and selection, and which it would "
                + "fetch from a binary cache instead.")
public final class WhyRebuildCommand implements Runnable {
    /** The heading of the units the next build neither compiles nor fetches. */
    static final String NOT_NEEDED = "not in the store, but not needed: what uses them is in the store or would be "
            + "substituted";

    private final CliContext context;

    @Mixin
    CargoSelectionOptions cargo;

    @Mixin
    SubstitutionOptions substitution;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public WhyRebuildCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        if (cargo.buildPlan() != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "why-rebuild plans with cargo's unit "
                    + "graph; --build-plan is not supported");
        }
        Path ws = cargo.workspace();
        CargoSelection selection = cargo.selection();
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC());
                Substituters caches = substitution.open(context, store, ws)) {
            StoreDir sd = store.storeDir();
            WorkspaceBuilder builder = new WorkspaceBuilder(store, context.env()).substituteFrom(caches);
            WorkspaceBuilder.Planned planned = builder.plan(ws, selection);
            UnitDerivationPlan plan = planned.plan();
            List<StorePath> units = new ArrayList<>();
            Set<StorePath> missing = new HashSet<>();
            for (int i : plan.order()) {
                units.add(plan.drvPaths().get(i));
                if (!store.isValid(plan.outputs().get(i))) {
                    missing.add(plan.drvPaths().get(i));
                }
            }
            RealisePlan next = missing.isEmpty() ? null : builder.dryRun(planned);
            Optional<LastBuilds.Record> last = new LastBuilds(store.home()).read(ws, selection);
            RebuildReasons.Explanation why = RebuildReasons.explain(units, missing,
                    next == null ? Set.of() : next.toBuild(), next == null ? Map.of() : next.toSubstitute(),
                    last.map(LastBuilds.Record::units),
                    new DerivationDiff(sd, new StoreDerivations(store), new StoreSourceTrees(store)));
            PrintStream out = context.out();
            if (json) {
                out.print(toJson(sd, ws, units.size(), last, why));
            } else {
                print(out, units.size(), last, why);
            }
            out.flush();
        }
    }

    private static void print(PrintStream out, int units, Optional<LastBuilds.Record> last,
            RebuildReasons.Explanation why) {
        if (why.nothingToDo()) {
            int gone = why.notNeeded().size();
            out.println(gone == 0 ? "nothing to rebuild: the outputs of all " + units + " units are in the store"
                    : "nothing to rebuild: " + gone + " of " + units + " units are not in the store, but the next "
                            + "build does not need them:");
        } else {
            int s = why.substituted();
            out.println(why.compile().size() + " of " + units + " units must be rebuilt"
                    + (s == 0 ? "" : ", " + s + " would be substituted")
                    + last.map(r -> " (compared with the build of "
                            + r.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")").orElse("") + ":");
        }
        for (RebuildReasons.Group g : why.causes()) {
            int n = g.units().size();
            out.println(g.cause() + " (invalidates " + n + (n == 1 ? " unit)" : " units)"));
            g.details().forEach(d -> out.println("      " + d)); // what changed, as diff shows it
            g.units().forEach(u -> out.println("    " + name(u)));
        }
        for (RebuildReasons.Substitution s : why.substitutions()) {
            printUnits(out, "would be substituted from " + s.from(), s.units());
        }
        if (!why.notNeeded().isEmpty()) {
            printUnits(out, NOT_NEEDED, why.notNeeded());
        }
    }

    private static void printUnits(PrintStream out, String heading, List<StorePath> units) {
        out.println(heading + " (" + units.size() + (units.size() == 1 ? " unit)" : " units)"));
        units.forEach(u -> out.println("    " + name(u)));
    }

    private static String name(StorePath drv) {
        return drv.name().substring(0, drv.name().length() - ".drv".length());
    }

    private static String toJson(StoreDir sd, Path ws, int units, Optional<LastBuilds.Record> last,
            RebuildReasons.Explanation why) {
        JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        ObjectNode root = mapper.createObjectNode();
        root.put("workspace", ws.toString());
        root.put("units", units);
        root.put("mustRebuild", why.compile().size());
        root.put("wouldSubstitute", why.substituted());
        root.put("notNeeded", why.notNeeded().size());
        if (last.isPresent()) {
            ObjectNode l = root.putObject("lastBuild");
            l.put("time", last.get().time().toString());
            l.put("units", last.get().units().size());
        } else {
            root.putNull("lastBuild");
        }
        ArrayNode causes = root.putArray("causes");
        for (RebuildReasons.Group g : why.causes()) {
            ObjectNode c = causes.addObject();
            c.put("cause", g.cause());
            c.put("kind", g.kind());
            c.put("count", g.units().size());
            ArrayNode details = c.putArray("details");
            g.details().forEach(details::add);
            units(sd, c.putArray("units"), g.units());
        }
        ArrayNode substitutions = root.putArray("substitutions");
        for (RebuildReasons.Substitution s : why.substitutions()) {
            ObjectNode c = substitutions.addObject();
            c.put("from", s.from());
            c.put("count", s.units().size());
            units(sd, c.putArray("units"), s.units());
        }
        units(sd, root.putArray("notNeededUnits"), why.notNeeded());
        return mapper.writeValueAsString(root) + "\n";
    }

    private static void units(StoreDir sd, ArrayNode to, List<StorePath> units) {
        for (StorePath u : units) {
            to.addObject().put("name", name(u)).put("drv", sd.print(u));
        }
    }
}
