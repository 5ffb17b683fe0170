#!/usr/bin/env bash
# crabstore test against cargo test on a corpus workspace, interleaved, same -j, several runs.
# usage: bench/test.sh [WORKSPACE] [RUNS] [JOBS]     e.g. bench/test.sh medium 3 2
# Scenarios (issue 8): cold (empty store vs empty target/, sources already downloaded for both), a rerun with nothing
# changed (crabstore: every report cached), and a one-line change in the workspace's leaf crate (the member no other
# member depends on: its harnesses are the only ones crabstore runs again; cargo runs them all). Both tools get the
# same selection, --tests (every harness, no doctests: crabstore does not run doctests). Times in seconds, end to end,
# with the ./crabstore launcher.
set -euo pipefail
ws_name=${1:-medium}
runs=${2:-3}
jobs=${3:-2}
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
cargo_workdir test
flags+=(--tests)
cp -r "$src" "$work/warm" && (cd "$work/warm" && cargo fetch --locked >/dev/null 2>&1 || true)
# The leaf: the workspace member no other member depends on (from cargo metadata), its first source file.
leaf_member_file() {
  (cd "$1" && cargo metadata --format-version 1 --offline --locked 2>/dev/null) | python3 -c '
import json, sys
m = json.load(sys.stdin)
members = [p for p in m["packages"] if p["id"] in m["workspace_members"]]
names = {p["name"] for p in members}
used = {d["name"] for p in members for d in p["dependencies"] if d["name"] in names}
leaf = min((p for p in members if p["name"] not in used), key=lambda p: p["name"])
print(sorted(t["src_path"] for t in leaf["targets"])[0])'
}
# One timed run of each tool; the crabstore run must pass (its output is kept for the ran/cached counts).
both() {
  local scenario=$1 r=$2 t0 t1 t2 c s ran cached
  t0=$(now); (cd "$work/c" && cargo test -q -j"$jobs" "${flags[@]}" >/dev/null 2>&1); t1=$(now)
  CRABSTORE_HOME="$work/home" crab test --dir "$work/s" -j "$jobs" "${flags[@]}" >"$work/out" 2>"$work/err"; t2=$(now)
  c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
  cached=$(grep -c '^test result: .*(cached)$' "$work/out" || true)
  ran=$(( $(grep -c '^test result: ' "$work/out" || true) - cached ))
  printf '%s %d %.2f %.2f %.2f %d %d\n' "$scenario" "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)" "$ran" "$cached"
}
printf 'scenario run cargo_s crabstore_s ratio harnesses_run harnesses_cached\n'
for r in $(seq 1 "$runs"); do
  rm -rf "$work/c" "$work/s" "$work/home"; cp -r "$src" "$work/c"; cp -r "$src" "$work/s"
  both cold "$r"
  sleep 2   # files written less than 2 s before a command are not trusted by the no-op fingerprint
  both cached "$r"
  both cached "$r"
  for d in c s; do f=$(leaf_member_file "$work/$d"); printf '\n// bench edit %s\n' "$r" >> "$f"; done
  both leaf-edit "$r"
done
