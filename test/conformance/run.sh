#!/usr/bin/env bash
# Runs the OpenID conformance suite (../shared/conformance/run.sh) against this checkout, and
# does what an OP's admin does for certification: registers the suite's back-channel logout
# endpoint on the two clients the harness adds through `npx stepup`, and gives the person it
# adds a full profile (every claim of the profile scope).
# Same environment as run.sh (PLANS, STEPUP_CONFORMANCE_WORK, ports); exits with its status.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# the shared folder beside the repository; a clone made elsewhere finds the workplace's
HARNESS="${CONFORMANCE_HARNESS:-}"
for candidate in "$ROOT/../shared/conformance/run.sh" /work/shared/conformance/run.sh; do
  if [ -z "$HARNESS" ] && [ -f "$candidate" ]; then HARNESS="$candidate"; fi
done
[ -f "$HARNESS" ] || { echo "conformance: no ../shared/conformance/run.sh; set CONFORMANCE_HARNESS" >&2; exit 1; }
WORK="${STEPUP_CONFORMANCE_WORK:-${TMPDIR:-/tmp}/stepup-conformance}"
SUITE_BASE="https://localhost:${SUITE_TLS_PORT:-8443}"
# Stepup posts logout tokens to the suite over TLS made by the harness's local CA
export NODE_EXTRA_CA_CERTS="$WORK/tls/ca.crt"
# ...at 127.0.0.1, which Stepup refuses unless told otherwise (README, ALLOW_PRIVATE_CLIENT_URIS);
# the harness writes its own STEPUP_CONFIG, so the setting goes by the environment
export ALLOW_PRIVATE_CLIENT_URIS=true

rm -f "$WORK/client1.json" "$WORK/client2.json" "$WORK/user.json"
mkdir -p "$WORK"
harness_log="$WORK/harness.log"
(cd "$ROOT" && STEPUP_DIR="$ROOT" bash "$HARNESS" 2> >(tee "$harness_log" >&2)) &
harness=$!

# The harness stops what it started, but its stop can miss processes when another one exits
# meanwhile (seen: the suite's JVM left holding its port, so the next run cannot start). Those
# it logged ("started suite (pid N)") and that still run are stopped here, by pid.
stop_tree() { # pid: its descendants first (npm start -> sh -> node), then itself
  local child
  for child in $(pgrep -P "$1"); do stop_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
stop_leftovers() {
  local pid
  for pid in $(sed -n 's/.*\] started [a-z]* (pid \([0-9]*\))$/\1/p' "$harness_log" 2>/dev/null); do
    [ -d "/proc/$pid" ] || continue
    stop_tree "$pid"
    echo "conformance: stopped pid $pid, which the harness left running" >&2
  done
}
[ "${KEEP_RUNNING:-0}" = 1 ] || trap stop_leftovers EXIT

# the harness writes the clients, then waits for the suite to start (a minute or more)
for _ in $(seq 1 1200); do
  [ -s "$WORK/client1.json" ] && [ -s "$WORK/client2.json" ] && break
  kill -0 "$harness" 2>/dev/null || break
  sleep 0.5
done
if [ -s "$WORK/client2.json" ]; then
  for n in 1 2; do
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_id"])' "$WORK/client$n.json")
    (cd "$ROOT" && DATA_DIR="$WORK/stepup-data" STEPUP_CONFIG="$WORK/stepup-conformance.json" MONGODB_URI= \
      npx stepup client update "$id" --backchannel-logout-uri "$SUITE_BASE/test/a/stepup/backchannel_logout" --json >/dev/null) || echo "conformance: could not change the client or user (see above)" >&2
  done
  echo "conformance: back-channel logout URI registered on both clients"
  # the person the harness adds gets the profile an admin would give them (the profile scope's claims)
  for _ in $(seq 1 60); do [ -s "$WORK/user.json" ] && break; sleep 0.5; done
  email=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["email"])' "$WORK/user.json")
  (cd "$ROOT" && DATA_DIR="$WORK/stepup-data" STEPUP_CONFIG="$WORK/stepup-conformance.json" MONGODB_URI= \
    npx stepup user update "$email" --name "Conformance Tester" --given-name Conformance --family-name Tester \
      --middle-name Suite --nickname Connie --preferred-username conformance --profile-url https://example.com/conformance \
      --picture https://example.com/conformance.png --website https://example.com --gender female --birthdate 2000-01-01 \
      --zoneinfo Europe/Paris --locale en-US --json >/dev/null) || echo "conformance: could not change the client or user (see above)" >&2
  echo "conformance: profile set for $email"
fi
wait "$harness"
