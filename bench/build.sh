#!/usr/bin/env bash
# crabstore build against cargo build on a corpus workspace, interleaved, same -j, several runs.
# usage: bench/build.sh WORKSPACE [RUNS] [JOBS]     e.g. bench/build.sh medium 3 2
# Scenarios (issue 4): cold (a store with only the sources, from `crabstore fetch`, vs an empty target/ with cargo's
# registry cache filled by `cargo fetch`: sources already downloaded for both), fresh checkout with
# a warm store (cargo: empty target/), no-op, and a one-line change in a workspace leaf crate.
set -euo pipefail
ws_name=${1:?workspace: small, medium, large or gitdep}
runs=${2:-3}
jobs=${3:-2}
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
cargo_workdir build
# Warm the cargo registry cache (both tools then start with sources downloaded).
cp -r "$src" "$work/warm" && (cd "$work/warm" && cargo fetch --locked >/dev/null 2>&1 || true)
printf 'scenario run cargo_s crabstore_s ratio\n'
for r in $(seq 1 "$runs"); do
  rm -rf "$work/c" "$work/s" "$work/home"; cp -r "$src" "$work/c"; cp -r "$src" "$work/s"
  # Sources downloaded for both, not timed: cargo's registry cache was filled by `cargo fetch` above (crates
  # downloaded and unpacked), crabstore's store gets the same with `crabstore fetch` and holds nothing else.
  CRABSTORE_HOME="$work/home" crab fetch --dir "$work/s" "${flags[@]}" 2>/dev/null
  rm -rf "$work/home/var/plans" "$work/home/var/noop" "$work/home/var/source-digests"  # the build plans from scratch
  t0=$(now); (cd "$work/c" && cargo build -q -j"$jobs" "${flags[@]}") ; t1=$(now)
  CRABSTORE_HOME="$work/home" crab build --dir "$work/s" -j "$jobs" "${flags[@]}" 2>/dev/null; t2=$(now)
  c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
  printf 'cold %d %.2f %.2f %.2f\n' "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)"
  t0=$(now); (cd "$work/c" && cargo build -q -j"$jobs" "${flags[@]}"); t1=$(now)
  CRABSTORE_HOME="$work/home" crab build --dir "$work/s" -j "$jobs" "${flags[@]}" 2>/dev/null; t2=$(now)
  c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
  printf 'noop %d %.2f %.2f %.2f\n' "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)"
  for d in c s; do f=$(leaf_file "$work/$d"); printf '\n// bench edit %s\n' "$r" >> "$f"; done
  t0=$(now); (cd "$work/c" && cargo build -q -j"$jobs" "${flags[@]}"); t1=$(now)
  CRABSTORE_HOME="$work/home" crab build --dir "$work/s" -j "$jobs" "${flags[@]}" 2>/dev/null; t2=$(now)
  c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
  printf 'edit %d %.2f %.2f %.2f\n' "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)"
  # A fresh checkout with the store warm; cargo starts from an empty target/.
  rm -rf "$work/c2" "$work/s2"; cp -r "$src" "$work/c2"; cp -r "$src" "$work/s2"
  t0=$(now); (cd "$work/c2" && cargo build -q -j"$jobs" "${flags[@]}"); t1=$(now)
  CRABSTORE_HOME="$work/home" crab build --dir "$work/s2" -j "$jobs" "${flags[@]}" 2>/dev/null; t2=$(now)
  c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
  printf 'fresh-checkout %d %.2f %.2f %.2f\n' "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)"
done
