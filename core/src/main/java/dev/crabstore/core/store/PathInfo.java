package dev.crabstore.core.store;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a store knows about a valid path: its NAR hash and size, the paths it refers to, the derivation that made it,
 * signatures and content address. The part a signature covers is {@link #fingerprint(StoreDir)}.
 */
public record PathInfo(
        StorePath path,
        Hash narHash,
        long narSize,
        SortedSet<StorePath> references,
        Optional<StorePath> deriver,
        SortedSet<String> signatures,
        Optional<ContentAddress> contentAddress,
        long registrationTime) {

    public PathInfo {
        if (narHash.algorithm() != HashAlgorithm.SHA256) {
            throw new InvalidFormatException("NAR hash of " + path + " must be sha256");
        }
        if (narSize <= 0) {
            throw new InvalidFormatException("NAR size of " + path + " must be positive, got " + narSize);
        }
        references = Collections.unmodifiableSortedSet(new TreeSet<>(references));
        signatures = Collections.unmodifiableSortedSet(new TreeSet<>(signatures));
    }

    public static PathInfo of(StorePath path, Hash narHash, long narSize, SortedSet<StorePath> references) {
        return new PathInfo(path, narHash, narSize, references, Optional.empty(), new TreeSet<>(), Optional.empty(), 0);
    }

    public PathInfo withDeriver(StorePath drv) {
        return new PathInfo(path, narHash, narSize, references, Optional.of(drv), signatures, contentAddress,
                registrationTime);
    }

    public PathInfo withContentAddress(ContentAddress ca) {
        return new PathInfo(path, narHash, narSize, references, deriver, signatures, Optional.of(ca),
                registrationTime);
    }

    public PathInfo withRegistrationTime(long epochSeconds) {
        return new PathInfo(path, narHash, narSize, references, deriver, signatures, contentAddress, epochSeconds);
    }

    public PathInfo withSignature(String signature) {
        SortedSet<String> sigs = new TreeSet<>(signatures);
        sigs.add(signature);
        return new PathInfo(path, narHash, narSize, references, deriver, sigs, contentAddress, registrationTime);
    }

    /** {@code 1;<path>;<sha256:nix32>;<narSize>;<refs,...>}: the bytes an Ed25519 signature covers. */
    public String fingerprint(StoreDir storeDir) {
        StringBuilder sb = new StringBuilder("1;").append(storeDir.print(path)).append(';')
                .append(narHash.toString()).append(';').append(narSize).append(';');
        boolean first = true;
        for (StorePath ref : references) {
            if (!first) {
                sb.append(',');
            }
            sb.append(storeDir.print(ref));
            first = false;
        }
        return sb.toString();
    }
}
