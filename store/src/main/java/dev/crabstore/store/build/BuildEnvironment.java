package dev.crabstore.store.build;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StoreDir;
import java.util.Map;
import java.util.TreeMap;

/** The fixed environment every sandboxed builder starts with, as Nix gives it, then the derivation's own. */
public final class BuildEnvironment {
    public static final String BUILD_DIR = "/build";

    private BuildEnvironment() {}

    public static Map<String, String> of(Derivation drv, StoreDir storeDir, int cores) {
        Map<String, String> env = new TreeMap<>();
        env.put("PATH", "/path-not-set");
        env.put("HOME", "/homeless-shelter");
        env.put("NIX_STORE", storeDir.path());
        env.put("NIX_BUILD_CORES", Integer.toString(cores));
        env.put("NIX_BUILD_TOP", BUILD_DIR);
        for (String t : new String[] {"TMPDIR", "TEMPDIR", "TMP", "TEMP"}) {
            env.put(t, BUILD_DIR);
        }
        env.put("PWD", BUILD_DIR);
        env.put("SOURCE_DATE_EPOCH", "1");
        env.putAll(drv.env());
        return env;
    }
}
