#!/usr/bin/env bash
# A build substituted from `crabstore serve` against cargo's cold build (issue 5), and `crabstore copy --from`'s
# download throughput against curl fetching the same NAR files from the same server in the same run.
# usage: bench/substitute.sh WORKSPACE [RUNS] [JOBS]     e.g. bench/substitute.sh large 3 2
#        COPY_ONLY=1 bench/substitute.sh WORKSPACE [RUNS]   only the copy / curl comparison (no cargo, no build B)
# 1. crabstore builds WORKSPACE on store A and pushes it to `crabstore serve` (its own store S, upload token).
# 2. Each run, interleaved: cargo's cold build (empty target/, warm registry cache); crabstore's build of a fresh
#    checkout into an empty store B with only the server as substituter (must build nothing, and give the same
#    binaries as A); `crabstore copy --from` of every path B fetched into an empty store C (JVM start-up included);
#    curl fetching exactly the NAR files that copy fetched, one after the other, from the same server.
# Every run works in new directories; all are deleted at the end. (Deleting thousands of files just before a run
# slows the next file creations on this machine's ext4, where a new inode skips recently freed ones; that would
# count against whichever tool ran next, not against the one measured.)
set -euo pipefail
ws_name=${1:?workspace: small, medium, large or gitdep}
runs=${2:-3}
jobs=${3:-2}
copy_only=${COPY_ONLY:-}
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
work=$(mktemp -d /var/tmp/crabstore-bench-subst.XXXXXX)
serve_pid=
cleanup() {
  local rc=$?
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
export CARGO_HOME="$work/cargo-home"
flags=(--offline --locked)
[ "$ws_name" = gitdep ] && flags=(--locked)
token=bench-token-0123456789abcdef
printf '%s' "$token" > "$work/token"
crab key generate --name bench-1 > "$work/key.sec"
pub=$(crab key public < "$work/key.sec")
# exec: $! is then the server's JVM itself (the launcher execs java), so the trap stops it, not just a subshell.
(CRABSTORE_HOME="$work/serve-home" exec "$here/crabstore" serve --listen 127.0.0.1:0 --allow-push "$work/token" \
  > "$work/serve.log" 2>&1) &
serve_pid=$!
for _ in $(seq 1 100); do grep -q 'http://' "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
cp -r "$src" "$work/a"
echo "store A: building $ws_name and pushing to $url" >&2
CRABSTORE_HOME="$work/home-a" CRABSTORE_CACHE_TOKEN="$token" crab build --dir "$work/a" -j "$jobs" "${flags[@]}" \
  --push "$url" --sign "$work/key.sec" 2>&1 | tail -2 >&2
cp -r "$src" "$work/warm" && (cd "$work/warm" && cargo fetch --locked >/dev/null 2>&1 || true)
# The paths to copy: those of a store that the server has (all of B's, or with COPY_ONLY all of A's).
served_paths() {
  local p
  for p in $(ls "$1/store"); do
    case "$p" in *.drv) continue ;; esac
    curl -sf -o /dev/null "$url/${p%%-*}.narinfo" && echo "/crabstore/store/$p"
  done
}
# Warm-up, not counted: one copy and one curl of every NAR, so that no measured run pays for the server's JIT
# warm-up on the NAR path (before it, the server has only taken uploads and answered narinfo requests).
mapfile -t warm_paths < <(served_paths "$work/home-a")
CRABSTORE_HOME="$work/home-warm" CRABSTORE_TRUSTED_PUBLIC_KEYS="$pub" crab copy --from "$url" "${warm_paths[@]}" \
  > "$work/warm-copied"
for p in $(sed -n 's|^copied ||p' "$work/warm-copied"); do
  b=${p##*/}
  curl -sf -o /dev/null "$url/$(curl -sf "$url/${b%%-*}.narinfo" | sed -n 's/^URL: //p')"
done
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores, shared with other work" >&2
if [ -n "$copy_only" ]; then
  printf 'run paths compressed_MiB copy_s curl_s copy_MiB_per_s curl_MiB_per_s copy_vs_curl\n'
else
  printf 'run cargo_cold_s substituted_s ratio paths compressed_MiB copy_s curl_s copy_MiB_per_s curl_MiB_per_s copy_vs_curl\n'
fi
for r in $(seq 1 "$runs"); do
  d="$work/run-$r"; mkdir -p "$d"
  if [ -z "$copy_only" ]; then
    cp -r "$src" "$d/c"; cp -r "$src" "$d/b"
    t0=$(now); (cd "$d/c" && cargo build -q -j"$jobs" "${flags[@]}"); t1=$(now)
    out=$(CRABSTORE_HOME="$d/home-b" CRABSTORE_SUBSTITUTERS="$url" CRABSTORE_TRUSTED_PUBLIC_KEYS="$pub" \
      crab build --dir "$d/b" -j "$jobs" "${flags[@]}" 2>&1); t2=$(now)
    echo "$out" | grep -q ': 0 built, ' || { echo "$out" >&2; echo "FAIL: something was built" >&2; exit 1; }
    for bin in $(cd "$work/a/target/debug" && find . -maxdepth 1 -type l -printf '%f\n'); do
      cmp -s "$work/a/target/debug/$bin" "$d/b/target/debug/$bin" || { echo "FAIL: $bin differs" >&2; exit 1; }
    done
    mapfile -t paths < <(served_paths "$d/home-b")
  else
    mapfile -t paths < <(served_paths "$work/home-a")
  fi
  # Download throughput: the paths, again, with `crabstore copy --from` into an empty store (verified, unpacked,
  # registered; JVM start-up included), then the NAR files of exactly the paths it copied with curl (to /dev/null).
  t3=$(now)
  CRABSTORE_HOME="$d/home-c" CRABSTORE_TRUSTED_PUBLIC_KEYS="$pub" crab copy --from "$url" "${paths[@]}" \
    > "$d/copied"
  t4=$(now)
  : > "$d/urls"
  for p in $(sed -n 's|^copied ||p' "$d/copied"); do
    b=${p##*/}
    echo "$url/$(curl -sf "$url/${b%%-*}.narinfo" | sed -n 's/^URL: //p')" >> "$d/urls"
  done
  t5=$(now); bytes=0
  while read -r u; do n=$(curl -sf -o /dev/null -w '%{size_download}' "$u"); bytes=$((bytes + n)); done < "$d/urls"
  t6=$(now)
  n=$(wc -l < "$d/urls")
  [ "$n" -gt 0 ] || { echo "FAIL: copy fetched nothing" >&2; exit 1; }
  k=$(elapsed "$t3" "$t4"); u=$(elapsed "$t5" "$t6")
  mib=$(echo "$bytes / 1048576" | bc -l)
  tail_cols=$(printf '%d %.1f %.2f %.2f %.1f %.1f %.2f' "$n" "$mib" "$k" "$u" "$(echo "$mib / $k" | bc -l)" \
    "$(echo "$mib / $u" | bc -l)" "$(echo "$u / $k" | bc -l)")
  if [ -n "$copy_only" ]; then
    echo "$r $tail_cols"
  else
    c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
    printf '%d %.2f %.2f %.3f %s\n' "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)" "$tail_cols"
  fi
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
