#!/usr/bin/env bash
# crabstore serve under load: wrk against one narinfo and one 1 MiB NAR (zstd, from the NAR cache), 10 s each.
# usage: bench/serve.sh [SECONDS] [NARINFO_CONNECTIONS] [NAR_CONNECTIONS]   (defaults: 10 32 8)
# Prints req/s for the narinfo and req/s and MB/s for the NAR. wrk and the server share the machine's cores.
set -euo pipefail
secs=${1:-10}
c_info=${2:-32}
c_nar=${3:-8}
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
command -v wrk >/dev/null || { echo "wrk missing: run scripts/setup.sh" >&2; exit 1; }
(cd "$here" && mvn -q -B -o package -DskipTests)
jar="$here/cli/target/crabstore.jar"
export LC_ALL=C.UTF-8
work=$(mktemp -d /var/tmp/crabstore-bench-serve.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export CRABSTORE_HOME="$work/home"
crab() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" "$@"; }
mkdir -p "$work/small" "$work/big"
echo "a small file" > "$work/small/f"
head -c $((1024 * 1024)) /dev/urandom > "$work/big/data.bin"
small=$(crab store add "$work/small")
big=$(crab store add "$work/big")
crab key generate --name bench-1 > "$work/key.sec"
# The server runs with the JVM options ./crabstore uses for serve (full tiered compilation, serial GC).
sign=(--sign "$work/key.sec")
[ -z "${NOSIGN:-}" ] || sign=()
java -XX:+UseSerialGC -Xss4m -jar "$jar" serve --listen 127.0.0.1:0 "${sign[@]}" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q '^serving ' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^serving .* on //p' "$work/serve.out")
[ -n "$url" ] || { echo "serve did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }
hash_of() { basename "$1" | cut -c1-32; }
narinfo_url="$url/$(hash_of "$small").narinfo"
nar_rel=$(curl -sf "$url/$(hash_of "$big").narinfo" | sed -n 's/^URL: //p')
nar_url="$url/$nar_rel"
nar_bytes=$(curl -sf "$nar_url" | wc -c)
curl -sf "$narinfo_url" > /dev/null
echo "server: $url (crabstore serve ${sign[*]:+--sign KEY}), $(nproc) cores shared with wrk"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "narinfo: $narinfo_url ($(curl -sf "$narinfo_url" | wc -c) bytes)"
echo "NAR: $nar_url ($nar_bytes bytes)"
# Warm-up (JIT), not counted.
wrk -t2 -c"$c_info" -d3s "$narinfo_url" > /dev/null
wrk -t2 -c"$c_nar" -d3s "$nar_url" > /dev/null
run() { wrk -t2 -c"$1" -d"${secs}s" --latency "$2"; }
info_out=$(run "$c_info" "$narinfo_url")
nar_out=$(run "$c_nar" "$nar_url")
info_rps=$(echo "$info_out" | awk '/^Requests\/sec:/ {print $2}')
info_p50=$(echo "$info_out" | awk '$1 == "50%" {print $2}')
nar_rps=$(echo "$nar_out" | awk '/^Requests\/sec:/ {print $2}')
nar_p50=$(echo "$nar_out" | awk '$1 == "50%" {print $2}')
errors=$(echo "$info_out$nar_out" | grep -E 'Non-2xx|Socket errors' || true)
printf 'narinfo: %s req/s (wrk -t2 -c%s -d%ss, p50 %s)\n' "$info_rps" "$c_info" "$secs" "$info_p50"
printf 'NAR 1 MiB: %s req/s, %.0f MB/s (wrk -t2 -c%s -d%ss, p50 %s)\n' "$nar_rps" \
  "$(echo "$nar_rps * $nar_bytes / 1000000" | bc -l)" "$c_nar" "$secs" "$nar_p50"
[ -z "$errors" ] || { echo "errors: $errors" >&2; exit 1; }
