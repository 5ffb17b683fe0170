package dev.crabstore.store.nar;

import dev.crabstore.core.hash.Hash;

/** The sha256 and length of a path's NAR serialisation: Nix's narHash and narSize. */
public record NarDigest(Hash narHash, long narSize) {}
