package dev.crabstore.store.diff;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.diff.DerivationLoader;
import dev.crabstore.store.local.LocalStore;

/** {@code .drv} files read from the local store, for {@code crabstore diff} and {@code why-rebuild}. */
public final class StoreDerivations implements DerivationLoader {
    private final LocalStore store;

    public StoreDerivations(LocalStore store) {
        this.store = store;
    }

    @Override
    public Derivation load(StorePath drvPath) {
        String printed = store.storeDir().print(drvPath);
        if (!drvPath.isDerivation()) {
            throw new MissingDerivationException(printed + " is not a derivation (.drv)");
        }
        if (!store.isValid(drvPath)) {
            throw new MissingDerivationException("derivation " + printed + " is not in the store (garbage-collected?)");
        }
        return store.readDerivation(drvPath);
    }
}
