package dev.crabstore.core.drv;

import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StorePath;

/** One output of a derivation, in one of the forms the ATerm can express (nix-formats.md §9). */
public sealed interface DerivationOutput {

    /** The output's path, known before the build for input-addressed and fixed outputs; null otherwise. */
    StorePath pathOrNull();

    /** An input-addressed output: {@code (id,"/store/…","","")}. */
    record InputAddressed(StorePath path) implements DerivationOutput {
        public InputAddressed {
            if (path == null) {
                throw new InvalidDerivationException("input-addressed output needs a path");
            }
        }

        @Override
        public StorePath pathOrNull() {
            return path;
        }
    }

    /** A fixed-output: {@code ("out",path,"r:sha256"|"sha1"|…,<hex>)}; flat or NAR hashing (text is not allowed). */
    record Fixed(StorePath path, ContentAddress ca) implements DerivationOutput {
        public Fixed {
            if (path == null || ca == null) {
                throw new InvalidDerivationException("fixed output needs a path and a content address");
            }
            if (ca.method() == ContentAddressMethod.TEXT) {
                throw new InvalidDerivationException("fixed output " + path + " cannot use text hashing");
            }
        }

        /** {@code r:sha256}, {@code sha1}, …: the hashAlgo field of the ATerm. */
        public String methodAlgo() {
            return ca.methodPrefix() + ca.hash().algorithm().nixName();
        }

        @Override
        public StorePath pathOrNull() {
            return path;
        }
    }

    /** An input-addressed output whose path is not computed yet (drafts and masked forms): {@code (id,"","","")}. */
    record Deferred() implements DerivationOutput {
        @Override
        public StorePath pathOrNull() {
            return null;
        }
    }

    /** A floating content-addressed output (experimental in Nix): {@code (id,"","r:sha256","")}. */
    record CaFloating(ContentAddressMethod method, HashAlgorithm algorithm) implements DerivationOutput {
        public CaFloating {
            if (method == null || algorithm == null) {
                throw new InvalidDerivationException("floating CA output needs a method and an algorithm");
            }
            if (method == ContentAddressMethod.TEXT) {
                throw new InvalidDerivationException("floating CA output cannot use text hashing");
            }
        }

        public String methodAlgo() {
            return (method == ContentAddressMethod.NAR ? "r:" : "") + algorithm.nixName();
        }

        @Override
        public StorePath pathOrNull() {
            return null;
        }
    }
}
