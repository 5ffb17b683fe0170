package dev.crabstore.planner.buildplan;

import dev.crabstore.planner.unit.UnitProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a rustc argv, as cargo wrote it into a build plan, says about its unit: crate name and type, source file,
 * features ({@code --cfg feature="..."}), codegen options ({@code -C k=v}, the last one winning, as in rustc) and
 * {@code --extern} edges.
 */
public record RustcArgs(String crateName, String sourcePath, List<String> crateTypes, List<String> features,
        Map<String, String> codegen, List<Extern> externs, String outDir) {
    /** {@code --extern [noprelude:|priv:]name[=path]}; {@code path} is null for {@code --extern proc_macro}. */
    public record Extern(String name, String path, boolean noprelude) {}

    /** Flags whose value is the next argument when not written {@code --flag=value}. */
    private static final Set<String> WITH_VALUE = Set.of("--crate-name", "--crate-type", "--cfg", "--check-cfg",
            "-C", "--codegen", "-L", "-l", "--extern", "--out-dir", "-o", "--target", "--cap-lints", "-A", "-W", "-D",
            "-F", "--force-warn", "--print", "--sysroot", "--remap-path-prefix", "-Z", "--emit", "--error-format",
            "--json", "--edition", "--explain", "--color", "--crate-version");

    public RustcArgs {
        crateTypes = List.copyOf(crateTypes);
        features = List.copyOf(features);
        codegen = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(codegen));
        externs = List.copyOf(externs);
    }

    /** Reads {@code args}; {@code where} names the invocation in error messages. */
    public static RustcArgs parse(List<String> args, String where) {
        String crateName = null;
        String source = null;
        String outDir = null;
        List<String> crateTypes = new ArrayList<>();
        TreeSet<String> features = new TreeSet<>();
        Map<String, String> codegen = new LinkedHashMap<>();
        List<Extern> externs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String flag = a;
            String value = null;
            if (a.startsWith("--") && a.contains("=")) {
                flag = a.substring(0, a.indexOf('='));
                value = a.substring(a.indexOf('=') + 1);
            } else if (a.startsWith("-C") && a.length() > 2) {
                flag = "-C";
                value = a.substring(2);
            } else if (WITH_VALUE.contains(a)) {
                if (i + 1 >= args.size()) {
                    throw new BuildPlanException(where + ": rustc flag " + a + " at the end of args has no value");
                }
                value = args.get(++i);
            } else if (!a.startsWith("-") && source == null) {
                source = a;
                continue;
            }
            switch (flag) {
                case "--crate-name" -> crateName = value;
                case "--crate-type" -> crateTypes.add(value);
                case "--out-dir" -> outDir = value;
                case "--cfg" -> {
                    if (value.startsWith("feature=\"") && value.endsWith("\"") && value.length() >= 10) {
                        features.add(value.substring(9, value.length() - 1));
                    }
                }
                case "-C", "--codegen" -> {
                    int eq = value.indexOf('=');
                    codegen.put(eq < 0 ? value : value.substring(0, eq), eq < 0 ? "" : value.substring(eq + 1));
                }
                case "--extern" -> externs.add(parseExtern(value, where));
                default -> {
                }
            }
        }
        return new RustcArgs(crateName, source, crateTypes, new ArrayList<>(features), codegen, externs, outDir);
    }

    private static Extern parseExtern(String value, String where) {
        String spec = value;
        boolean noprelude = false;
        int eq = spec.indexOf('=');
        int colon = spec.indexOf(':');
        if (colon >= 0 && (eq < 0 || colon < eq)) {
            for (String opt : spec.substring(0, colon).split(",")) {
                if (opt.equals("noprelude")) {
                    noprelude = true;
                }
            }
            spec = spec.substring(colon + 1);
            eq = spec.indexOf('=');
        }
        String name = eq < 0 ? spec : spec.substring(0, eq);
        if (name.isEmpty()) {
            throw new BuildPlanException(where + ": --extern " + value + " names no crate");
        }
        return new Extern(name, eq < 0 ? null : spec.substring(eq + 1), noprelude);
    }

    /**
     * The profile these flags encode. Cargo writes only what differs from rustc's defaults, so absent flags mean:
     * opt-level 0, no debuginfo, debug assertions on exactly at opt-level 0, overflow checks as debug assertions,
     * panic unwind, no strip, rpath off, default codegen units. {@code -C lto[=x]} gives the profile's LTO where
     * cargo passes it (linked units); other units get {@code linkedLto}, the LTO of the plan's linked units, when
     * they carry {@code -C linker-plugin-lto}.
     */
    public UnitProfile profile(String name, String linkedLto, String where) {
        String opt = codegen.getOrDefault("opt-level", "0");
        String debuginfo = codegen.getOrDefault("debuginfo", "0");
        boolean debugAssertions = codegen.containsKey("debug-assertions")
                ? bool(codegen.get("debug-assertions"), "debug-assertions", where) : opt.equals("0");
        boolean overflowChecks = codegen.containsKey("overflow-checks")
                ? bool(codegen.get("overflow-checks"), "overflow-checks", where) : debugAssertions;
        Integer cgu = null;
        if (codegen.containsKey("codegen-units")) {
            try {
                cgu = Integer.valueOf(codegen.get("codegen-units"));
            } catch (NumberFormatException e) {
                throw new BuildPlanException(where + ": -C codegen-units=" + codegen.get("codegen-units")
                        + " is not a number");
            }
        }
        return new UnitProfile(name, opt, lto(linkedLto), cgu, debuginfo, codegen.get("split-debuginfo"),
                debugAssertions, overflowChecks, codegen.containsKey("rpath") && !codegen.get("rpath").equals("no")
                        && !codegen.get("rpath").equals("off"),
                codegen.containsKey("incremental"), codegen.getOrDefault("panic", "unwind"),
                codegen.getOrDefault("strip", "none"));
    }

    /** The LTO setting this unit's own flags show, or null when they show none. */
    public String ownLto() {
        if (codegen.containsKey("lto")) {
            String v = codegen.get("lto");
            return v.isEmpty() || v.equals("yes") || v.equals("y") || v.equals("on") ? "true" : v;
        }
        return null;
    }

    private String lto(String linkedLto) {
        String own = ownLto();
        if (own != null) {
            return own;
        }
        return codegen.containsKey("linker-plugin-lto") && linkedLto != null ? linkedLto : "false";
    }

    private static boolean bool(String v, String flag, String where) {
        return switch (v) {
            case "", "y", "yes", "on", "true" -> true;
            case "n", "no", "off", "false" -> false;
            default -> throw new BuildPlanException(where + ": -C " + flag + "=" + v + " is not a boolean");
        };
    }
}
