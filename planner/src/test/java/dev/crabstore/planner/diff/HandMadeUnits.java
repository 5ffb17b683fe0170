package dev.crabstore.planner.diff;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unit derivations made by hand the way the planner makes them: every transitive dependency an input, dependencies
 * named in the args by output path and {@code -C metadata} hash (which follows features, version and the
 * dependencies' hashes), sources as input sources (path packages) or source derivations (registry crates).
 */
final class HandMadeUnits {
    static final StoreDir SD = StoreDir.DEFAULT;
    final Map<StorePath, Derivation> all = new HashMap<>();
    private final DerivationHasher hasher = new DerivationHasher(SD, all::get);
    List<String> rustflags = List.of();
    String toolchain = "rustc 1.80.0";

    /** A unit as the planner writes it; {@code src} is a path package's source, or null for a registry crate. */
    final class Unit {
        final String pkg;
        final String version;
        StorePath src;
        StorePath srcDrv;
        List<Unit> deps = new ArrayList<>();
        List<String> features = new ArrayList<>();
        StorePath drvPath;
        Derivation drv;
        String meta;

        Unit(String pkg, String version) {
            this.pkg = pkg;
            this.version = version;
        }

        Set<Unit> transitive() {
            Set<Unit> out = new LinkedHashSet<>();
            for (Unit d : deps) {
                out.addAll(d.transitive());
                out.add(d);
            }
            return out;
        }
    }

    /** A path package's source tree in the store, by name and a label standing for its contents. */
    static StorePath source(String name, String contents) {
        return SD.makeSourcePath(name, Hash.sha256(contents), List.of(), false);
    }

    Unit pathUnit(String pkg, String version, String contents) {
        Unit u = new Unit(pkg, version);
        u.src = source(pkg + "-" + version + "-source", contents);
        return u;
    }

    /** A registry crate: fetch (fixed output) and unpack derivations, as WorkspaceBuilder writes them. */
    Unit registryUnit(String pkg, String version) {
        Unit u = new Unit(pkg, version);
        Hash sha = Hash.sha256(pkg + version);
        Derivation fetch = Derivation.newBuilder().name(pkg + "-" + version + ".crate").system("x86_64-linux")
                .builder("builtin:fetchurl").env("url", "file:///registry/" + pkg + "-" + version + ".crate")
                .buildFixedOutput(SD, new ContentAddress(ContentAddressMethod.FLAT, sha));
        StorePath fetchPath = fetch.drvPath(SD);
        all.put(fetchPath, fetch);
        Derivation unpack = Derivation.newBuilder().name(pkg + "-" + version + "-source").system("x86_64-linux")
                .builder("builtin:unpack-crate").inputDrv(fetchPath, "out")
                .env("src", SD.print(fetch.outputPaths().get("out"))).env("top", pkg + "-" + version)
                .buildInputAddressed(hasher);
        u.srcDrv = unpack.drvPath(SD);
        all.put(u.srcDrv, unpack);
        u.src = unpack.outputPaths().get("out");
        return u;
    }

    /** Writes the unit's derivation (its dependencies must be written first). */
    StorePath write(Unit u) {
        StringBuilder id = new StringBuilder(u.pkg + "@" + u.version + u.features);
        u.deps.forEach(d -> id.append(d.meta));
        u.meta = Hash.sha256(id.toString()).toBase16().substring(0, 16);
        List<String> args = new ArrayList<>(List.of("--crate-name", u.pkg, "--edition=2021", "src/lib.rs"));
        for (String f : u.features) {
            args.add("--cfg");
            args.add("feature=\"" + f + "\"");
        }
        args.addAll(List.of("-C", "metadata=" + u.meta, "-C", "extra-filename=-" + u.meta));
        for (Unit d : u.deps) {
            args.add("--extern");
            args.add(d.pkg + "=" + SD.print(d.drv.outputPaths().get("out")) + "/lib" + d.pkg + "-" + d.meta + ".rlib");
        }
        args.addAll(rustflags);
        Derivation.Builder b = Derivation.newBuilder().name(u.pkg + "-" + u.version).system("x86_64-linux")
                .builder("builtin:rustc").args(args)
                .env("CARGO_PKG_VERSION", u.version)
                .env(UnitDerivationPlanner.ENV_FEATURES, String.join(",", u.features))
                .env(UnitDerivationPlanner.ENV_RUSTFLAGS, String.join("\u001f", rustflags))
                .env(UnitDerivationPlanner.ENV_TOOLCHAIN, toolchain)
                .env(UnitDerivationPlanner.ENV_PACKAGE, u.pkg + " v" + u.version);
        if (u.srcDrv != null) {
            b.inputDrv(u.srcDrv, "out");
        } else {
            b.inputSrc(u.src);
        }
        for (Unit d : u.transitive()) {
            b.inputDrv(d.drvPath, "out");
        }
        u.drv = b.buildInputAddressed(hasher);
        u.drvPath = u.drv.drvPath(SD);
        all.put(u.drvPath, u.drv);
        return u.drvPath;
    }

    DerivationDiff diff(SourceTrees trees) {
        return new DerivationDiff(SD, all::get, trees);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
