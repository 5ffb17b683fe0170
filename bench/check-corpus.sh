#!/usr/bin/env bash
# Reproducibility of the corpus: for each workspace and profile, a build into a fresh store, then `build --check`
# (every unit rebuilt in a fresh sandbox and compared by NAR hash). Prints one line per workspace and profile.
# The first build scans every output for absolute paths outside the store (PathLeakScanner); path_leaks counts the
# units it warned about (each is listed below the line). STRICT=1 passes --strict-paths: a leak then fails the build.
# usage: bench/check-corpus.sh [WORKSPACE...]      (default: small medium large gitdep)   JOBS=2 ROUNDS=1 STRICT=0
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="${CRABSTORE_SHARED:-$here/../shared}"
(cd "$here" && mvn -q -B -o package -DskipTests)
work=$(mktemp -d /var/tmp/crabstore-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
export CARGO_HOME="$work/cargo-home"
jobs=${JOBS:-2}
rounds=${ROUNDS:-1}
strict=${STRICT:-0}
[ $# -gt 0 ] || set -- small medium large gitdep
printf 'workspace profile units_checked not_reproducible path_leaks build_s check_s\n'
status=0
for ws in "$@"; do
  for profile in dev release; do
    flags=(--locked); [ "$ws" = gitdep ] || flags+=(--offline)
    [ "$profile" = release ] && flags+=(--release)
    [ "$strict" = 1 ] && flags+=(--strict-paths)
    rm -rf "$work/ws" "$work/home"; cp -r "$shared/corpus/workspaces/$ws" "$work/ws"
    t0=$(date +%s.%N)
    CRABSTORE_HOME="$work/home" "$here/crabstore" build --dir "$work/ws" -j "$jobs" "${flags[@]}" > "$work/build.log" 2>&1 \
      || { cat "$work/build.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    set +e
    CRABSTORE_HOME="$work/home" "$here/crabstore" build --dir "$work/ws" -j "$jobs" "${flags[@]}" --check \
      --rounds "$rounds" > "$work/check.log" 2>&1
    rc=$?
    set -e
    t2=$(date +%s.%N)
    checked=$(grep -oE "Checked [0-9]+" "$work/check.log" | tail -1 | grep -oE "[0-9]+" || echo "?")
    bad=$(grep -cE "^error: .* is not reproducible|^error: cannot check" "$work/check.log" || true)
    leaks=$(grep -c "contains absolute paths outside the store" "$work/build.log" || true)
    printf '%s %s %s %s %s %.1f %.1f\n' "$ws" "$profile" "$checked" "$bad" "$leaks" "$(echo "$t1 - $t0" | bc)" \
      "$(echo "$t2 - $t1" | bc)"
    if [ "$leaks" -ne 0 ]; then awk '/contains absolute paths outside the store/ {p=1; print "    " $0; next} p && /^         / {print "    " $0; next} {p=0}' "$work/build.log"; fi
    if [ "$rc" -ne 0 ]; then status=1; sed 's/^/    /' "$work/check.log" | tail -40; fi
  done
done
exit "$status"
