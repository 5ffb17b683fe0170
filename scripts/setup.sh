#!/usr/bin/env bash
# Installs everything the build and the test suite need on a fresh Debian machine (run as root or with sudo):
# Debian packages (nix-bin as the format oracle, bubblewrap for sandboxing, system libraries the corpus's -sys
# crates link, wrk for load tests, chromium to render the timing report in a test) and the offline crate corpus in
# /var/tmp/crabstore-corpus.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="${CRABSTORE_SHARED:-$here/../shared}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

packages=(nix-bin bubblewrap pkg-config zlib1g-dev libssl-dev libsqlite3-dev liblzma-dev libbz2-dev wrk git python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Headless Chromium only, without the recommended desktop packages.
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: installing chromium" >&2
  [ "${#missing[@]}" -gt 0 ] || $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

corpus="${CRABSTORE_CORPUS:-/var/tmp/crabstore-corpus}"
if [ -d "$shared/corpus" ]; then
  if [ ! -f "$corpus/registry/index/config.json" ]; then
    echo "setup: building the crate corpus registry in $corpus (about 2 minutes)" >&2
    python3 "$shared/corpus/make-registry.py" --out "$corpus" >&2
  fi
  if [ ! -d "$corpus/git/gd.git" ]; then
    bash "$shared/corpus/make-git-fixture.sh" "$corpus" >&2
  fi
else
  echo "setup: no corpus at $shared/corpus; tests that need it are skipped (and fail under CI=true)" >&2
fi
command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust with rustup first" >&2; exit 1; }
