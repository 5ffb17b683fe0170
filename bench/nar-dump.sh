#!/usr/bin/env bash
# NAR dump throughput: `crabstore nar dump` against `nix-store --dump` on the same 1 GiB tree, interleaved.
# usage: bench/nar-dump.sh [RUNS] [SIZE_MIB]      (defaults: 3 runs, 1024 MiB)
# Prints each run and the ratio crabstore speed / nix speed (issue 2 asks for >= 0.60).
set -euo pipefail
runs=${1:-3}
size_mib=${2:-1024}
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
command -v nix-store >/dev/null || { echo "nix-store missing: run scripts/setup.sh" >&2; exit 1; }
(cd "$here" && mvn -q -B -o package -DskipTests)
jar="$here/cli/target/crabstore.jar"
export LC_ALL=C.UTF-8
work=$(mktemp -d /var/tmp/crabstore-bench-nar.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree="$work/tree"
mkdir -p "$tree/small"
# 3/4 of the bytes in 8 large files, the rest in 4 KiB files across 64 directories.
large_mib=$(( size_mib * 3 / 4 / 8 ))
for i in $(seq 1 8); do head -c "$(( large_mib * 1024 * 1024 ))" /dev/urandom > "$tree/large-$i.bin"; done
small_total=$(( (size_mib - large_mib * 8) * 1024 * 1024 ))
n_small=$(( small_total / 4096 ))
python3 - "$tree/small" "$n_small" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
block = os.urandom(4096)
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 64))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(block)
PY
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $tree, $(( bytes / 1024 / 1024 )) MiB, $(find "$tree" -type f | wc -l) files"
# Warm the page cache and check that both produce the same bytes.
a=$(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" nar dump "$tree" | sha256sum | cut -d' ' -f1)
b=$(nix-store --dump "$tree" | sha256sum | cut -d' ' -f1)
[ "$a" = "$b" ] || { echo "NAR mismatch: crabstore $a, nix $b" >&2; exit 1; }
now() { date +%s.%N; }
crab_total=0; nix_total=0
for r in $(seq 1 "$runs"); do
  t0=$(now); nix-store --dump "$tree" > /dev/null; t1=$(now)
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" nar dump "$tree" > /dev/null; t2=$(now)
  nt=$(echo "$t1 - $t0" | bc -l); ct=$(echo "$t2 - $t1" | bc -l)
  printf 'run %d: nix-store --dump %.2f s (%.0f MiB/s), crabstore nar dump %.2f s (%.0f MiB/s)\n' "$r" "$nt" \
    "$(echo "$bytes / 1048576 / $nt" | bc -l)" "$ct" "$(echo "$bytes / 1048576 / $ct" | bc -l)"
  nix_total=$(echo "$nix_total + $nt" | bc -l); crab_total=$(echo "$crab_total + $ct" | bc -l)
done
printf 'total: nix %.2f s, crabstore %.2f s; crabstore speed / nix speed = %.2f\n' "$nix_total" "$crab_total" \
  "$(echo "$nix_total / $crab_total" | bc -l)"
