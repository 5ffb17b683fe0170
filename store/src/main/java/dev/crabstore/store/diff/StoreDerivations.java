package dev.crabstore.store.diff;

import dev.crabstore.core.drv.AtermParser;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.diff.DerivationLoader;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.LocalStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

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
        try {
            String text = Files.readString(store.realPath(drvPath), StandardCharsets.UTF_8);
            return AtermParser.parse(text, store.storeDir(), printed);
        } catch (IOException e) {
            throw new StoreIOException("cannot read derivation " + printed, e);
        }
    }
}
