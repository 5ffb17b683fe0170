#!/usr/bin/env bash
# The one-line edit of issue 4, with cargo measured twice: as users run it (incremental, profile.dev's default) and
# without incremental compilation (CARGO_INCREMENTAL=0), which is the same work crabstore's hermetic units do.
# usage: bench/edit.sh WORKSPACE [EDITS] [JOBS]     e.g. bench/edit.sh medium 5 2
# One untimed cold build per tool, then EDITS rounds, each appending a comment to the same file as bench/build.sh
# (the last workspace source file in path order) in the three copies and timing the three builds in turn.
set -euo pipefail
ws_name=${1:?workspace: small, medium, large or gitdep}
edits=${2:-5}
jobs=${3:-2}
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
cargo_workdir edit
for d in incr noincr crab; do cp -r "$src" "$work/$d"; done
leaf=$(leaf_file "$work/crab"); leaf=${leaf#"$work/crab/"}
(cd "$work/incr" && cargo fetch --locked >/dev/null 2>&1 || true)
(cd "$work/incr" && cargo build -q -j"$jobs" "${flags[@]}")
(cd "$work/noincr" && CARGO_INCREMENTAL=0 cargo build -q -j"$jobs" "${flags[@]}")
CRABSTORE_HOME="$work/home" crab build --dir "$work/crab" -j "$jobs" "${flags[@]}" 2>/dev/null
echo "edited: $leaf" >&2
printf 'edit cargo_s cargo_noincr_s crabstore_s ratio ratio_noincr\n'
for r in $(seq 1 "$edits"); do
  for d in incr noincr crab; do printf '\n// bench edit %s\n' "$r" >> "$work/$d/$leaf"; done
  t0=$(now); (cd "$work/incr" && cargo build -q -j"$jobs" "${flags[@]}"); t1=$(now)
  (cd "$work/noincr" && CARGO_INCREMENTAL=0 cargo build -q -j"$jobs" "${flags[@]}"); t2=$(now)
  CRABSTORE_HOME="$work/home" crab build --dir "$work/crab" -j "$jobs" "${flags[@]}" 2>/dev/null; t3=$(now)
  c=$(elapsed "$t0" "$t1"); n=$(elapsed "$t1" "$t2"); s=$(elapsed "$t2" "$t3")
  printf '%d %.2f %.2f %.2f %.2f %.2f\n' "$r" "$c" "$n" "$s" "$(echo "$s / $c" | bc -l)" "$(echo "$s / $n" | bc -l)"
done
