#!/usr/bin/env bash
# The whole test suite: set-up, then every test (unit, Nix interop, real-crate builds), then a check that tests ran.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$here"
bash scripts/setup.sh
log="$(mktemp)"
set +e
mvn -B -Pfull verify 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# Module totals only (per-class lines end with "-- in <class>").
total=$(grep -E '^\[(INFO|ERROR)\] Tests run: [0-9]+, Failures' "$log" | grep -v -- ' -- in ' | sed -E 's/.*Tests run: ([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
if [ "$rc" -ne 0 ]; then exit "$rc"; fi
if [ "$total" -eq 0 ]; then echo "test.sh: surefire ran no tests" >&2; exit 1; fi
echo "test.sh: $total tests ran"
