#!/usr/bin/env bash
# Builds the FerretDB v1.24.2 test server (scripts/ferretdb) once and prints its path.
# The binary is kept outside the repository; Go's module and build caches make a rebuild fast.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${STEPUP_FERRETDB_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/stepup/ferretdb-v1.24.2}"

if [ ! -x "$out" ] || [ "$here/ferretdb/main.go" -nt "$out" ] || [ "$here/ferretdb/go.sum" -nt "$out" ]; then
  command -v go >/dev/null || { echo "build_ferretdb: Go is not installed" >&2; exit 1; }
  mkdir -p "$(dirname "$out")"
  echo "build_ferretdb: building FerretDB v1.24.2 (first time takes a few minutes)" >&2
  (cd "$here/ferretdb" && go build -o "$out" .)
fi
echo "$out"
