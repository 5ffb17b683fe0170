/**
 * Nix derivations ({@code .drv} files, ATerm) exactly as Nix 2.8 writes and checks them (nix-formats.md §9, §10).
 *
 * <p>Typical use by the planner, bottom-up over the unit graph, with one hasher for the whole graph:
 *
 * <pre>{@code
 * Map<StorePath, Derivation> drvs = new HashMap<>();
 * DerivationHasher hasher = new DerivationHasher(storeDir, drvs::get);
 * Derivation d = Derivation.newBuilder().name("serde-1.0.0").system("x86_64-linux").builder("/bin/sh")
 *         .args("-c", "...").inputDrv(depDrvPath, "out").inputSrc(srcPath).env("KEY", "value")
 *         .outputs("out", "lib")            // optional; default is a single "out"
 *         .buildInputAddressed(hasher);     // or buildFixedOutput(storeDir, ca) / buildFloating(method, algo)
 * String aterm = d.render(storeDir);        // the .drv file contents
 * StorePath drvPath = d.drvPath(storeDir, aterm);
 * drvs.put(drvPath, d);                     // so later derivations can depend on it
 * }</pre>
 *
 * <p>{@link dev.crabstore.core.drv.AtermParser#parse} reads a {@code .drv} strictly;
 * {@link dev.crabstore.core.drv.OutputPaths#verify} re-checks output paths as Nix does when it registers one.
 */
package dev.crabstore.core.drv;
