package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.planner.diff.DerivationDiff;
import dev.crabstore.planner.diff.Difference;
import dev.crabstore.planner.diff.RootCause;
import dev.crabstore.store.diff.StoreDerivations;
import dev.crabstore.store.diff.StoreSourceTrees;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code crabstore diff A B}: why two derivations differ, as nix-diff explains it, down to the root causes (the
 * derivations that differ in themselves, not only through their inputs).
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Explain why two derivations differ: follow the input derivations that differ down to the root "
                + "causes (a source file, a feature, RUSTFLAGS, a version, an argument or variable, a dependency) "
                + "instead of listing every changed hash. A and B are .drv store paths, or outputs (a store path, a "
                + "target/ link) compared through the derivations that built them.")
public final class DiffCommand implements Runnable {
    private final CliContext context;

    @Parameters(index = "0", paramLabel = "A", description = "The old derivation, or an output it built.")
    String from;

    @Parameters(index = "1", paramLabel = "B", description = "The new derivation, or an output it built.")
    String to;

    @Option(names = "--json", description = "Print the root causes as JSON.")
    boolean json;

    public DiffCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC())) {
            StoreDir sd = store.storeDir();
            StorePath a = derivation(store, from);
            StorePath b = derivation(store, to);
            DerivationDiff diff = new DerivationDiff(sd, new StoreDerivations(store), new StoreSourceTrees(store));
            List<RootCause> causes = diff.rootCauses(a, b);
            PrintStream out = context.out();
            if (json) {
                out.print(toJson(sd, a, b, causes));
            } else {
                print(out, sd, a, b, causes);
            }
            out.flush();
        }
    }

    /** The .drv a command-line argument names: itself, or the deriver of the output it names. */
    static StorePath derivation(LocalStore store, String arg) {
        StorePath p = store.followLinksToStorePath(arg);
        String printed = store.storeDir().print(p);
        if (p.isDerivation()) {
            if (!store.isValid(p)) {
                throw new InvalidFormatException("derivation " + printed + " (from '" + arg + "') is not in the store");
            }
            return p;
        }
        PathInfo info = store.query(p).orElseThrow(() -> new InvalidFormatException("'" + arg + "' names "
                + printed + ", which is not valid in the store"));
        StorePath drv = info.deriver().orElseThrow(() -> new InvalidFormatException(printed + " (from '" + arg
                + "') has no deriver: it was added to the store, not built; name its .drv instead"));
        if (!store.isValid(drv)) {
            throw new InvalidFormatException("the deriver of " + printed + ", " + store.storeDir().print(drv)
                    + ", is no longer in the store");
        }
        return drv;
    }

    /**
     * The root causes grouped by what they say: the same change on several derivations (every unit of a package reads
     * its source; RUSTFLAGS reach every unit) is one line, with the derivations it is on and the way to the nearest.
     */
    static void print(PrintStream out, StoreDir sd, StorePath a, StorePath b, List<RootCause> causes) {
        if (a.equals(b)) {
            out.println("the derivations are the same: " + sd.print(a));
            return;
        }
        out.println("- " + sd.print(a));
        out.println("+ " + sd.print(b));
        java.util.Map<String, List<RootCause>> byCause = new java.util.LinkedHashMap<>();
        java.util.Map<String, Difference> first = new java.util.HashMap<>();
        for (RootCause c : causes) {
            for (Difference d : c.differences()) {
                byCause.computeIfAbsent(d.description(), k -> new java.util.ArrayList<>()).add(c);
                first.putIfAbsent(d.description(), d);
            }
        }
        out.println(byCause.size() == 1 ? "1 root cause:" : byCause.size() + " root causes:");
        byCause.forEach((description, in) -> {
            out.println("• " + description);
            first.get(description).details().forEach(l -> out.println("      " + l));
            List<String> names = in.stream().map(c -> c.via().get(c.via().size() - 1)).sorted().toList();
            int shown = Math.min(names.size(), 8);
            out.println("    in " + (names.size() == 1 ? "" : names.size() + " derivations: ")
                    + String.join(", ", names.subList(0, shown)) + (shown < names.size() ? ", …" : ""));
            RootCause nearest = in.stream().min(java.util.Comparator.comparingInt((RootCause c) -> c.via().size())
                    .thenComparing(c -> c.via().get(c.via().size() - 1))).orElseThrow();
            if (nearest.via().size() > 1) {
                out.println("    via " + String.join(" → ", nearest.via()));
            }
            if (in.size() == 1) {
                out.println("    - " + sd.print(nearest.a()));
                out.println("    + " + sd.print(nearest.b()));
            }
        });
    }

    static String toJson(StoreDir sd, StorePath a, StorePath b, List<RootCause> causes) {
        JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        ObjectNode root = mapper.createObjectNode();
        root.put("a", sd.print(a));
        root.put("b", sd.print(b));
        root.put("same", a.equals(b));
        ArrayNode list = root.putArray("rootCauses");
        for (RootCause c : causes) {
            ObjectNode o = list.addObject();
            o.put("a", sd.print(c.a()));
            o.put("b", sd.print(c.b()));
            ArrayNode via = o.putArray("via");
            c.via().forEach(via::add);
            ArrayNode ds = o.putArray("differences");
            for (Difference d : c.differences()) {
                ObjectNode x = ds.addObject();
                x.put("kind", d.kindName());
                x.put("description", d.description());
                ArrayNode details = x.putArray("details");
                d.details().forEach(details::add);
            }
        }
        return mapper.writeValueAsString(root) + "\n";
    }
}
