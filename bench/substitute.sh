#!/usr/bin/env bash
# A build substituted from `crabstore serve` against cargo's cold build (issue 5), and serve's download throughput
# against curl fetching the same NAR files from the same server in the same run.
# usage: bench/substitute.sh WORKSPACE [RUNS] [JOBS]     e.g. bench/substitute.sh large 3 2
# 1. crabstore builds WORKSPACE on store A and pushes it to `crabstore serve` (its own store S, upload token).
# 2. Each run, interleaved: cargo's cold build (empty target/, warm registry cache); crabstore's build of a fresh
#    checkout into an empty store B with only the server as substituter (must build nothing, and give the same
#    binaries as A); curl fetching every NAR that build fetched, sequentially, from the same server.
set -euo pipefail
ws_name=${1:?workspace: small, medium, large or gitdep}
runs=${2:-3}
jobs=${3:-2}
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="${CRABSTORE_SHARED:-$here/../shared}"
src="$shared/corpus/workspaces/$ws_name"
[ -d "$src" ] || { echo "no workspace $src" >&2; exit 1; }
(cd "$here" && mvn -q -B -o package -DskipTests)
crab() { "$here/crabstore" "$@"; }
work=$(mktemp -d /var/tmp/crabstore-bench-subst.XXXXXX)
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
export CARGO_HOME="$work/cargo-home"
flags=(--offline --locked)
[ "$ws_name" = gitdep ] && flags=(--locked)
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
token=bench-token-0123456789abcdef
printf '%s' "$token" > "$work/token"
crab key generate --name bench-1 > "$work/key.sec"
pub=$(crab key public < "$work/key.sec")
CRABSTORE_HOME="$work/serve-home" crab serve --listen 127.0.0.1:0 --allow-push "$work/token" > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do grep -q 'http://' "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
cp -r "$src" "$work/a"
echo "store A: building $ws_name and pushing to $url" >&2
CRABSTORE_HOME="$work/home-a" CRABSTORE_CACHE_TOKEN="$token" crab build --dir "$work/a" -j "$jobs" "${flags[@]}" \
  --push "$url" --sign "$work/key.sec" 2>&1 | tail -2 >&2
cp -r "$src" "$work/warm" && (cd "$work/warm" && cargo fetch --locked >/dev/null 2>&1 || true)
printf 'run cargo_cold_s substituted_s ratio compressed_MiB copy_from_MiB_per_s curl_MiB_per_s copy_vs_curl\n'
for r in $(seq 1 "$runs"); do
  rm -rf "$work/c" "$work/b" "$work/home-b"; cp -r "$src" "$work/c"; cp -r "$src" "$work/b"
  t0=$(now); (cd "$work/c" && cargo build -q -j"$jobs" "${flags[@]}"); t1=$(now)
  out=$(CRABSTORE_HOME="$work/home-b" CRABSTORE_SUBSTITUTERS="$url" CRABSTORE_TRUSTED_PUBLIC_KEYS="$pub" \
    crab build --dir "$work/b" -j "$jobs" "${flags[@]}" 2>&1); t2=$(now)
  echo "$out" | grep -q ': 0 built, ' || { echo "$out" >&2; echo "FAIL: something was built" >&2; exit 1; }
  for bin in $(cd "$work/a/target/debug" && find . -maxdepth 1 -type l -printf '%f\n'); do
    cmp -s "$work/a/target/debug/$bin" "$work/b/target/debug/$bin" || { echo "FAIL: $bin differs" >&2; exit 1; }
  done
  # Download throughput: the paths B fetched, again, with `crabstore copy --from` into an empty store (verified,
  # unpacked, registered; JVM start included), and their NAR files with curl (to /dev/null), from the same server.
  : > "$work/urls"; paths=()
  for p in $(ls "$work/home-b/store"); do
    case "$p" in *.drv|*-source) continue ;; esac
    hp=${p%%-*}
    nar=$(curl -sf "$url/$hp.narinfo" | sed -n 's/^URL: //p') || continue
    [ -n "$nar" ] && { echo "$url/$nar" >> "$work/urls"; paths+=("/crabstore/store/$p"); }
  done
  rm -rf "$work/home-c"
  t3=$(now)
  CRABSTORE_HOME="$work/home-c" CRABSTORE_TRUSTED_PUBLIC_KEYS="$pub" crab copy --from "$url" "${paths[@]}" >/dev/null
  t4=$(now); bytes=0
  while read -r u; do n=$(curl -sf -o /dev/null -w '%{size_download}' "$u"); bytes=$((bytes + n)); done < "$work/urls"
  t5=$(now)
  c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2"); k=$(elapsed "$t3" "$t4"); u=$(elapsed "$t4" "$t5")
  mib=$(echo "$bytes / 1048576" | bc -l)
  printf '%d %.2f %.2f %.3f %.1f %.1f %.1f %.2f\n' "$r" "$c" "$s" "$(echo "$s / $c" | bc -l)" "$mib" \
    "$(echo "$mib / $k" | bc -l)" "$(echo "$mib / $u" | bc -l)" "$(echo "$u / $k" | bc -l)"
done
