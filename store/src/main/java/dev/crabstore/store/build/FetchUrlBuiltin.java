package dev.crabstore.store.build;

import dev.crabstore.core.drv.DerivationOutput;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.store.fetch.FetchException;
import dev.crabstore.store.fetch.HashMismatchException;
import dev.crabstore.store.fetch.VerifiedDownloader;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@code builtin:fetchurl}: downloads env {@code url} ({@code http(s)} or {@code file}) to the single, flat
 * fixed output, verifying its hash while it streams. The only builder allowed to reach the network, and only
 * because its output is pinned by hash.
 */
public final class FetchUrlBuiltin implements Builtin {
    private final VerifiedDownloader downloader;

    public FetchUrlBuiltin(VerifiedDownloader downloader) {
        this.downloader = downloader;
    }

    @Override
    public String name() {
        return "fetchurl";
    }

    @Override
    public void build(BuildJob job) {
        String url = job.drv().env().get("url");
        if (url == null) {
            throw new BuildFailedException(job.drvPath().baseName() + ": builtin:fetchurl needs env 'url'");
        }
        if (!(job.drv().outputs().get("out") instanceof DerivationOutput.Fixed fixed)
                || fixed.ca().method() != ContentAddressMethod.FLAT) {
            throw new BuildFailedException(job.drvPath().baseName()
                    + ": builtin:fetchurl needs a single flat fixed output 'out'");
        }
        Path out = job.outputs().get("out");
        try {
            downloader.download(URI.create(url), fixed.ca().hash(), out, job.drv().name());
        } catch (FetchException | HashMismatchException e) {
            throw new BuildFailedException(e.getMessage(), e);
        }
    }
}
