#!/usr/bin/env bash
# crabstore serve under many connections: wrk -c200 -t2 against a `crabstore serve --sign` of a store holding 40
# paths, once rotating over their narinfos and once over their NARs (bench/serve-load.lua), after a short warm-up.
# usage: bench/serve-load.sh [SECONDS] [CONNECTIONS]   (defaults: 60 200)
# Prints requests/s, transfer/s and the error counts of each run; fails if any request got a non-2xx answer or a
# socket error (connect, read, write, timeout). wrk and the server share the machine's cores.
set -euo pipefail
secs=${1:-60}
conns=${2:-200}
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
command -v wrk >/dev/null || { echo "wrk missing: run scripts/setup.sh" >&2; exit 1; }
(cd "$here" && mvn -q -B -o package -DskipTests)
jar="$here/cli/target/crabstore.jar"
export LC_ALL=C.UTF-8
work=$(mktemp -d /var/tmp/crabstore-bench-serve-load.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export CRABSTORE_HOME="$work/home"
crab() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" "$@"; }
# 32 small paths (a text file each) and 8 paths of 256 KiB of random bytes.
for n in $(seq 1 32); do mkdir -p "$work/src/small-$n"; echo "small path $n" > "$work/src/small-$n/f"; done
for n in $(seq 1 8); do mkdir -p "$work/src/big-$n"; head -c $((256 * 1024)) /dev/urandom > "$work/src/big-$n/data"; done
paths=$(for d in "$work"/src/*; do crab store add "$d"; done)
crab key generate --name bench-1 > "$work/key.sec"
# As ./crabstore runs serve: full tiered compilation, serial GC.
java -XX:+UseSerialGC -Xss4m -jar "$jar" serve --listen 127.0.0.1:0 --sign "$work/key.sec" \
  > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q '^serving ' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^serving .* on //p' "$work/serve.out")
[ -n "$url" ] || { echo "serve did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }
: > "$work/narinfos"
: > "$work/nars"
for p in $paths; do
  h=$(basename "$p" | cut -c1-32)
  echo "/$h.narinfo" >> "$work/narinfos"
  # Asking for the narinfo compresses the NAR into the NAR cache; the NAR is then served from there.
  echo "/$(curl -sf "$url/$h.narinfo" | sed -n 's/^URL: //p')" >> "$work/nars"
done
nar_bytes=$(while read -r n; do curl -sf "$url$n" | wc -c; done < "$work/nars" | awk '{s += $1} END {print s}')
echo "server: $url (crabstore serve --sign KEY), $(wc -l < "$work/narinfos") paths, $(nproc) cores shared with wrk"
echo "NARs: $(wc -l < "$work/nars") files, $nar_bytes bytes in all (zstd)"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
lua="$here/bench/serve-load.lua"
wrk -t2 -c"$conns" -d5s -s "$lua" "$url" -- "$work/narinfos" > /dev/null
wrk -t2 -c"$conns" -d5s -s "$lua" "$url" -- "$work/nars" > /dev/null
failed=0
for what in narinfos nars; do
  echo "== $what: wrk -t2 -c$conns -d${secs}s -s bench/serve-load.lua $url -- <$what list>"
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" "$url" -- "$work/$what")
  echo "$out" | grep -E 'requests in|Requests/sec|Transfer/sec|Latency|50%|99%|Non-2xx|Socket errors' | sed 's/^ */  /'
  non2xx=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')
  sock=$(echo "$out" | sed -n 's/.*Socket errors: *//p')
  printf '  non-2xx: %s, socket errors: %s\n' "${non2xx:-0}" "${sock:-none}"
  if [ -n "$non2xx" ] || [ -n "$sock" ]; then failed=1; fi
done
if grep -q . "$work/serve.err"; then echo "server stderr:" >&2; cat "$work/serve.err" >&2; failed=1; fi
exit "$failed"
