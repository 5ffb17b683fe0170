# Shared prologue of the corpus benchmarks; source it after setting ws_name.
# Sets here (the repository), shared (../shared), src (the corpus workspace), builds the CLI once, and defines
# crab (the ./crabstore launcher), now and elapsed (seconds, for interleaved timings).
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="${CRABSTORE_SHARED:-$here/../shared}"
src="$shared/corpus/workspaces/$ws_name"
[ -d "$src" ] || { echo "no workspace $src" >&2; exit 1; }
(cd "$here" && mvn -q -B -o package -DskipTests)
crab() { "$here/crabstore" "$@"; }
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
# A scratch dir for a run against cargo, removed on exit ($work), cargo's own home in it, and the flags both tools get
# ($flags: offline, except for gitdep, whose git dependency is fetched over file://).
cargo_workdir() {
  work=$(mktemp -d "/var/tmp/crabstore-bench-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  export CARGO_HOME="$work/cargo-home"
  flags=(--offline --locked)
  [ "$ws_name" = gitdep ] && flags=(--locked)
  return 0
}
# The last source file of a workspace copy in path order: in the corpus, a leaf member's (what the edit scenarios edit).
leaf_file() {
  find "$1" -path '*/target' -prune -o -name '*.rs' -print | sort | tail -1
}
