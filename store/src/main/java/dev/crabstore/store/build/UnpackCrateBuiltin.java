package dev.crabstore.store.build;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.fetch.CrateArchiveUnpacker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;

/**
 * {@code builtin:unpack-crate}: unpacks the {@code .crate} at env {@code src} (an input store path), whose entries
 * live under env {@code top} ({@code <name>-<version>}), into {@code out}, refusing archives that would write
 * outside it.
 */
public final class UnpackCrateBuiltin implements Builtin {
    @Override
    public boolean copiesUpstreamSource() {
        return true;
    }

    @Override
    public String name() {
        return "unpack-crate";
    }

    @Override
    public void build(BuildJob job) {
        String src = job.drv().env().get("src");
        String top = job.drv().env().get("top");
        if (src == null || top == null) {
            throw new BuildFailedException(job.drvPath().baseName() + ": builtin:unpack-crate needs env 'src' and 'top'");
        }
        StorePath crate = job.store().storeDir().parsePath(src);
        try (InputStream in = Files.newInputStream(job.input(crate))) {
            CrateArchiveUnpacker.unpack(in, top, job.outputs().get("out"), crate.name());
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + src, e);
        } catch (dev.crabstore.core.InvalidFormatException e) {
            throw new BuildFailedException(e.getMessage(), e);
        }
    }
}
