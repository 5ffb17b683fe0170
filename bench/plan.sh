#!/usr/bin/env bash
# Planning time of a corpus workspace (issue 3): `crabstore plan`, end to end (JVM start included), interleaved with
# cargo's own planning step (`cargo build --unit-graph`) measured in the same run.
# usage: bench/plan.sh WORKSPACE [RUNS]      e.g. bench/plan.sh large 5
# Scenarios:
#   cargo         RUSTC_BOOTSTRAP=1 cargo build -Z unstable-options --unit-graph (what cargo itself needs to plan)
#   cold-empty    no plan cache, empty store (sources and .drv files are added to the store)
#   cold          no plan cache, store already holding the derivations
#   cached        plan cache present, no-op fingerprint removed (derivations re-derived and checked)
#   unchanged     nothing changed since the last plan (the fingerprint's stat check replays it)
set -euo pipefail
ws_name=${1:?workspace: small, medium, large or gitdep}
runs=${2:-5}
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="${CRABSTORE_SHARED:-$here/../shared}"
src="$shared/corpus/workspaces/$ws_name"
[ -d "$src" ] || { echo "no workspace $src" >&2; exit 1; }
(cd "$here" && mvn -q -B -o package -DskipTests)
work=$(mktemp -d /var/tmp/crabstore-bench-plan.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/ws"
export CRABSTORE_HOME="$work/home" CARGO_HOME="$work/cargo-home"
flags=(--offline --locked)
[ "$ws_name" = gitdep ] && flags=(--locked)
cd "$work/ws"
# The files must be older than the racy-clean window (2 s) before a fingerprint is trusted.
touch -d '-1 minute' $(find . -path ./target -prune -o -print)
RUSTC_BOOTSTRAP=1 cargo build -Z unstable-options --unit-graph "${flags[@]}" >/dev/null  # warm cargo's caches
now() { date +%s.%N; }
t() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }
plan() { "$here/crabstore" plan "${flags[@]}"; }
printf 'run cargo_s cold_empty_s cold_s cached_s unchanged_s\n'
for r in $(seq 1 "$runs"); do
  c=$(t env RUSTC_BOOTSTRAP=1 cargo build -Z unstable-options --unit-graph "${flags[@]}")
  rm -rf "$work/home"
  e=$(t plan)
  rm -rf "$work/home/var/plans" "$work/home/var/noop"
  k=$(t plan)
  rm -rf "$work/home/var/noop"
  h=$(t plan)
  u=$(t plan)
  printf '%d %.2f %.2f %.2f %.2f %.2f\n' "$r" "$c" "$e" "$k" "$h" "$u"
done
