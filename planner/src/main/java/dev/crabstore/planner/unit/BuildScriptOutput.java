package dev.crabstore.planner.unit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directives a build script printed (cargo's {@code BuildOutput::parse}): both {@code cargo::KEY=VALUE} and the
 * old {@code cargo:KEY=VALUE}, where any unreserved old-style key is metadata. Lists keep emission order.
 */
public record BuildScriptOutput(List<String> linkSearch, List<String> linkLibs, List<LinkArg> linkArgs,
        List<String> cfgs, List<String> checkCfgs, List<Map.Entry<String, String>> env,
        List<Map.Entry<String, String>> metadata, List<String> rerunIfChanged, List<String> rerunIfEnvChanged,
        List<String> warnings, List<String> errors) {

    /** A {@code rustc-link-arg*} directive: {@code scope} is all, bins, bin, tests, benches, examples or cdylib. */
    public record LinkArg(String scope, String binName, String arg) {}

    private static final Set<String> RESERVED = Set.of("rustc-flags", "rustc-link-lib", "rustc-link-search",
            "rustc-link-arg-cdylib", "rustc-cdylib-link-arg", "rustc-link-arg-bins", "rustc-link-arg-bin",
            "rustc-link-arg-tests", "rustc-link-arg-benches", "rustc-link-arg-examples", "rustc-link-arg", "rustc-cfg",
            "rustc-check-cfg", "rustc-env", "warning", "error", "rerun-if-changed", "rerun-if-env-changed", "metadata");

    public BuildScriptOutput {
        linkSearch = List.copyOf(linkSearch);
        linkLibs = List.copyOf(linkLibs);
        linkArgs = List.copyOf(linkArgs);
        cfgs = List.copyOf(cfgs);
        checkCfgs = List.copyOf(checkCfgs);
        env = List.copyOf(env);
        metadata = List.copyOf(metadata);
        rerunIfChanged = List.copyOf(rerunIfChanged);
        rerunIfEnvChanged = List.copyOf(rerunIfEnvChanged);
        warnings = List.copyOf(warnings);
        errors = List.copyOf(errors);
    }

    public static BuildScriptOutput empty() {
        return parse("", "empty");
    }

    /** Parses a script's stdout; {@code pkg} names the package in error messages. */
    public static BuildScriptOutput parse(String stdout, String pkg) {
        List<String> search = new ArrayList<>();
        List<String> libs = new ArrayList<>();
        List<LinkArg> args = new ArrayList<>();
        List<String> cfgs = new ArrayList<>();
        List<String> checks = new ArrayList<>();
        List<Map.Entry<String, String>> env = new ArrayList<>();
        List<Map.Entry<String, String>> meta = new ArrayList<>();
        List<String> rerun = new ArrayList<>();
        List<String> rerunEnv = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int lineNo = 0;
        for (String raw : stdout.split("\n", -1)) {
            lineNo++;
            String line = raw.strip();
            boolean newSyntax;
            String rest;
            if (line.startsWith("cargo::")) {
                newSyntax = true;
                rest = line.substring(7);
            } else if (line.startsWith("cargo:")) {
                newSyntax = false;
                rest = line.substring(6);
            } else {
                continue;
            }
            int eq = rest.indexOf('=');
            if (eq < 0) {
                throw new UnitGraphException("build script output of " + pkg + ", line " + lineNo
                        + ": expected cargo:KEY=VALUE, got '" + line + "'");
            }
            String key = rest.substring(0, eq).strip();
            String value = rest.substring(eq + 1).stripTrailing();
            if (!RESERVED.contains(key)) {
                if (newSyntax) {
                    throw new UnitGraphException("build script output of " + pkg + ", line " + lineNo
                            + ": unknown directive 'cargo::" + key + "' (use cargo::metadata=KEY=VALUE)");
                }
                meta.add(Map.entry(key, value));
                continue;
            }
            String where = "build script output of " + pkg + ", line " + lineNo;
            switch (key) {
                case "rustc-link-search" -> search.add(value);
                case "rustc-link-lib" -> libs.add(value);
                case "rustc-flags" -> parseFlags(value, search, libs, where);
                case "rustc-link-arg" -> args.add(new LinkArg("all", null, value));
                case "rustc-link-arg-bins" -> args.add(new LinkArg("bins", null, value));
                case "rustc-link-arg-tests" -> args.add(new LinkArg("tests", null, value));
                case "rustc-link-arg-benches" -> args.add(new LinkArg("benches", null, value));
                case "rustc-link-arg-examples" -> args.add(new LinkArg("examples", null, value));
                case "rustc-link-arg-cdylib", "rustc-cdylib-link-arg" -> args.add(new LinkArg("cdylib", null, value));
                case "rustc-link-arg-bin" -> {
                    int e = value.indexOf('=');
                    if (e <= 0) {
                        throw new UnitGraphException(where + ": rustc-link-arg-bin needs BIN=ARG, got '" + value + "'");
                    }
                    args.add(new LinkArg("bin", value.substring(0, e), value.substring(e + 1)));
                }
                case "rustc-cfg" -> cfgs.add(value);
                case "rustc-check-cfg" -> checks.add(value);
                case "rustc-env" -> {
                    int e = value.indexOf('=');
                    if (e <= 0) {
                        throw new UnitGraphException(where + ": rustc-env needs VAR=VALUE, got '" + value + "'");
                    }
                    String var = value.substring(0, e);
                    if (var.equals("RUSTC_BOOTSTRAP")) {
                        throw new UnitGraphException(where + ": rustc-env may not set RUSTC_BOOTSTRAP");
                    }
                    env.add(Map.entry(var, value.substring(e + 1)));
                }
                case "metadata" -> {
                    int e = value.indexOf('=');
                    if (e <= 0) {
                        throw new UnitGraphException(where + ": metadata needs KEY=VALUE, got '" + value + "'");
                    }
                    meta.add(Map.entry(value.substring(0, e), value.substring(e + 1)));
                }
                case "warning" -> warnings.add(value);
                case "error" -> errors.add(value);
                case "rerun-if-changed" -> rerun.add(value);
                case "rerun-if-env-changed" -> rerunEnv.add(value);
                default -> throw new IllegalStateException(key);
            }
        }
        return new BuildScriptOutput(search, libs, args, cfgs, checks, env, meta, rerun, rerunEnv, warnings, errors);
    }

    /** {@code rustc-flags} accepts only {@code -l} and {@code -L}, attached or separated. */
    private static void parseFlags(String value, List<String> search, List<String> libs, String where) {
        String[] words = value.strip().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.isEmpty()) {
                continue;
            }
            String flag = w.length() >= 2 ? w.substring(0, 2) : w;
            if (!flag.equals("-l") && !flag.equals("-L")) {
                throw new UnitGraphException(where + ": rustc-flags allows only -l and -L, got '" + w + "'");
            }
            String arg = w.substring(2);
            if (arg.isEmpty()) {
                if (i + 1 >= words.length) {
                    throw new UnitGraphException(where + ": rustc-flags: " + flag + " without a value");
                }
                arg = words[++i];
            }
            (flag.equals("-l") ? libs : search).add(arg);
        }
    }

    /** Search paths in cargo's order: those inside {@code outDir} first, then the others, each in emission order. */
    public List<String> orderedLinkSearch(String outDir) {
        List<String> inside = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        for (String s : linkSearch) {
            String path = s.contains("=") ? s.substring(s.indexOf('=') + 1) : s;
            (outDir != null && path.startsWith(outDir) ? inside : outside).add(s);
        }
        inside.addAll(outside);
        return inside;
    }
}
