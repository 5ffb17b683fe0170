#!/bin/sh
# A CI job for a cargo workspace, built and tested with crabstore and a shared binary cache.
# usage: crabstore-ci.sh [WORKSPACE_DIR]
#   CRABSTORE_CACHE             the team's cache: file:///dir, http(s)://host/path or s3://bucket/prefix?endpoint=…
#   CRABSTORE_CACHE_PUBLIC_KEY  its public key (name:base64), trusted for substitution
#   CRABSTORE_CACHE_KEY_FILE    optional: the secret key; when set, what this job built is signed and pushed
#   CRABSTORE_CACHE_TOKEN       for an http(s) cache run by `crabstore serve --allow-push`: the upload token
#   CRABSTORE_CHECK=1           also rebuild every unit and fail if one is not bit-for-bit reproducible
set -eu
cd "${1:-.}"
: "${CRABSTORE_CACHE:?set CRABSTORE_CACHE to the cache URL}"
: "${CRABSTORE_CACHE_PUBLIC_KEY:?set CRABSTORE_CACHE_PUBLIC_KEY to the cache public key}"
set -- --locked --strict-paths --substituters "$CRABSTORE_CACHE" --trusted-public-keys "$CRABSTORE_CACHE_PUBLIC_KEY"
if [ -n "${CRABSTORE_CACHE_KEY_FILE:-}" ]; then
  set -- "$@" --push "$CRABSTORE_CACHE" --sign "$CRABSTORE_CACHE_KEY_FILE"
fi
# Fetches what the cache has, builds the rest in the sandbox (failing on any absolute path outside the store in an
# output), then pushes the closures of what was asked for.
crabstore build "$@"
crabstore build --tests "$@"
# Runs every test harness in the sandbox (builds nothing new: the harnesses were built and pushed just above); a
# harness whose report this store has from an earlier job with the same inputs is not run again. Fails on a failing test.
crabstore test --locked --substituters "$CRABSTORE_CACHE" --trusted-public-keys "$CRABSTORE_CACHE_PUBLIC_KEY"
if [ "${CRABSTORE_CHECK:-0}" = 1 ]; then
  crabstore build --locked --check
fi
