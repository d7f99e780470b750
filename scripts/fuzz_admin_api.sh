#!/usr/bin/env bash
# Fuzzes the admin API with schemathesis (from PyPI) against a real server on a fresh
# SQLite data directory, using the server's own OpenAPI document. Exit 0 = no failure.
# Usage: bash scripts/fuzz_admin_api.sh [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${HOME}/.cache/stepup/schemathesis-4.32.5"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis==4.32.5'
fi

data_dir="$(mktemp -d)"
port="$(node_modules/.bin/node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
token="fuzz-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
log="$data_dir/server.log"

DATA_DIR="$data_dir" PORT="$port" ISSUER="http://127.0.0.1:$port" ADMIN_TOKEN="$token" NODE_ENV=production LOG_LEVEL=warn \
  node_modules/.bin/node src/main.ts >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data_dir"' EXIT

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done

# schemathesis closes like pytest ("=== 1 warning in 59.46s ==="), a line that CI's reader takes
# for a test runner that ran no test: its banners become plain headings and that one goes.
without_closing_banner() {
  sed -E -e '/^=+ .* in [0-9.]+s =+$/d' -e 's/^=+ (.*) =+$/-- \1 --/'
}

status=0
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/admin/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --max-examples "${FUZZ_MAX_EXAMPLES:-50}" \
  --seed "${FUZZ_SEED:-1}" \
  --workers 1 \
  "$@" 2>&1 | without_closing_banner || status=$?

# a 5xx is logged by the server as "request failed"
if grep -q '"request failed"' "$log"; then
  echo "server logged failed requests:" >&2
  grep '"request failed"' "$log" | head -5 >&2
  status=1
fi
exit $status
