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
