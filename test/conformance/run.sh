#!/usr/bin/env bash
# Runs the OpenID conformance suite (../shared/conformance/run.sh) against this checkout, and
# does what an OP's admin does for certification: registers the suite's back-channel logout
# endpoint on the two clients the harness adds through `npx stepup`, and gives the person it
# adds a full profile (every claim of the profile scope).
# Same environment as run.sh (PLANS, STEPUP_CONFORMANCE_WORK, ports). The back-channel logout
# plan gets a harness run of its own (a second start-up), and so do the FAPI 2.0 plans (fapi2-*),
# whose two clients are FAPI 2.0 clients this wrapper registers (fapi2_clients.ts) in place of the
# harness's; exits 0 only if every run passed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# the shared folder beside the repository; a clone made elsewhere finds the workplace's
HARNESS="${CONFORMANCE_HARNESS:-}"
for candidate in "$ROOT/../shared/conformance/run.sh" /work/shared/conformance/run.sh; do
  if [ -z "$HARNESS" ] && [ -f "$candidate" ]; then HARNESS="$candidate"; fi
done
[ -f "$HARNESS" ] || { echo "conformance: no ../shared/conformance/run.sh; set CONFORMANCE_HARNESS" >&2; exit 1; }
# One harness run's places: its work directory and ports (the harness's variables, exported
# for it), and what this wrapper reads and writes there. A FAPI 2.0 run beside the others has
# its own (see the end).
use_work() { # work-directory
  WORK=$1
  export STEPUP_CONFORMANCE_WORK="$WORK"
  SUITE_BASE="https://localhost:${SUITE_TLS_PORT:-8443}"
  STEPUP_BASE="https://localhost:${STEPUP_TLS_PORT:-3443}"
  # the suite's configuration, as the harness writes it before it waits for the suite to start
  SUITE_CONFIG="$WORK/stepup-conformance-config.json"
  # Stepup posts logout tokens to the suite over TLS made by the harness's local CA
  export NODE_EXTRA_CA_CERTS="$WORK/tls/ca.crt"
  mkdir -p "$WORK"
  harness_log="$WORK/harness.log"
}
use_work "${STEPUP_CONFORMANCE_WORK:-${TMPDIR:-/tmp}/stepup-conformance}"
MAIN_WORK="$WORK"
# ...at 127.0.0.1, which Stepup refuses unless told otherwise (docs/configuration.md, ALLOW_PRIVATE_CLIENT_URIS);
# the harness writes its own STEPUP_CONFIG, so the setting goes by the environment
export ALLOW_PRIVATE_CLIENT_URIS=true
# TLS as a FAPI 2.0 deployment must terminate it: the harness's nginx, held to BCP 195's TLS 1.2
# suites by the wrapper in tls_terminator/ (the harness leaves nginx on its default ciphers)
# (when nginx is missing the harness installs it, and this run keeps nginx's default ciphers)
if command -v nginx >/dev/null; then export PATH="$ROOT/test/conformance/tls_terminator:$PATH"
else echo "conformance: no nginx yet; the harness installs it, and FAPI 2.0's cipher check fails on its defaults" >&2; fi

# The stop of the harness can miss processes when another one exits meanwhile (seen: the suite's
# JVM left holding its port, so the next run cannot start). Those it logged ("started suite
# (pid N)") and that still run are stopped here, by pid.
stop_tree() { # pid: its descendants first (npm start -> sh -> node), then itself
  local child
  for child in $(pgrep -P "$1"); do stop_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
# A Stepup server of this checkout whose starter (npm start) the harness stopped first outlives
# it, handed to init: it holds the output pipe, so CI's `| tee` never ends (seen: 12 minutes, until
# killed). Found by its working directory, command line and this run's data directory (not a
# server of the run beside it), since no logged pid leads to it.
stop_orphaned_servers() {
  local proc pid
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$(readlink "$proc/cwd" 2>/dev/null)" = "$ROOT" ] || continue
    tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -q 'node .*src/main\.ts' || continue
    tr '\0' '\n' <"$proc/environ" 2>/dev/null | grep -qx "DATA_DIR=$WORK/stepup-data" || continue
    kill "$pid" 2>/dev/null && echo "conformance: stopped pid $pid, a server of this checkout left running" >&2
  done
}
stop_leftovers() {
  local pid
  for pid in $(sed -n 's/.*\] started [a-z]* (pid \([0-9]*\))$/\1/p' "$harness_log" 2>/dev/null); do
    [ -d "/proc/$pid" ] || continue
    stop_tree "$pid"
    echo "conformance: stopped pid $pid, which the harness left running" >&2
  done
  stop_orphaned_servers
}
[ "${KEEP_RUNNING:-0}" = 1 ] || trap stop_leftovers EXIT

stepup_cli() { (cd "$ROOT" && DATA_DIR="$WORK/stepup-data" STEPUP_CONFIG="$WORK/stepup-conformance.json" MONGODB_URI= npx stepup "$@" --json >/dev/null); }

# The FAPI 2.0 plans: the suite's clients become two FAPI 2.0 clients (private_key_jwt, DPoP,
# fapi_profile "2.0"), and every sign-in may end on Stepup's error page instead of the callback
# (the modules that expect a refusal at /auth take either). Written into the suite's configuration
# while the harness waits for the suite to start; the suite reads it only when a plan starts.
use_fapi2_clients() {
  for _ in $(seq 1 120); do # the harness writes its configuration just after the user
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))["browser"]' "$SUITE_CONFIG" 2>/dev/null && break
    sleep 0.5
  done
  (cd "$ROOT" && DATA_DIR="$WORK/stepup-data" STEPUP_CONFIG="$WORK/stepup-conformance.json" MONGODB_URI= \
    node_modules/.bin/node test/conformance/fapi2_clients.ts "$STEPUP_BASE" \
    "$SUITE_BASE/test/a/stepup/callback" "$SUITE_BASE/test/a/stepup/callback?dummy1=lorem&dummy2=ipsum") >"$WORK/fapi2-clients.json"
  python3 - "$SUITE_CONFIG" "$WORK/fapi2-clients.json" "$STEPUP_BASE" <<'PY'
import json, sys
path, clients, stepup = sys.argv[1:]
config = json.load(open(path))
config.update(json.load(open(clients)))
config.pop("client_secret_post", None)
config["description"] = "Stepup, FAPI 2.0 clients"
# the harness's sign-in (password, consent if asked, the callback), which may also end on
# Stepup's error page at /auth: its screenshot is what a module that expects a refusal asks for
sign_in = config["browser"][0]
login, consent, callback = sign_in["tasks"]
error_page = {"task": "Error page", "optional": True, "match": stepup + "/auth*",
              "commands": [["wait", "xpath", "//*", 10, "cannot continue", "update-image-placeholder"]]}
config["browser"] = [{"match": sign_in["match"], "tasks": [login, consent, error_page, {**callback, "optional": True}]}]
module = "fapi2-security-profile-final-"
config["override"] = {
    # the person cancels on Stepup's sign-in page: access_denied back to the client
    module + "user-rejects-authentication": {"browser": [{"match": sign_in["match"], "tasks": [
        {"task": "Cancel", "match": stepup + "/interaction*",
         "commands": [["click", "xpath", "//form[contains(@action,'/abort')]//button[@type='submit']"]]},
        callback]}]},
    # the same request_uri twice: the first visit only opens the sign-in page, the second signs in
    module + "par-ensure-reused-request-uri-prior-to-auth-completion-succeeds": {"browser": [
        {"match": sign_in["match"], "match-limit": 1, "tasks": [
            {"task": "Sign-in page, no sign-in", "match": stepup + "/interaction*",
             "commands": [["wait", "xpath", "//*", 10, "Sign in"]]}]},
        {"match": sign_in["match"], "tasks": [login, consent, callback]}]},
}
json.dump(config, open(path, "w"), indent=2)
PY
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# One run of the harness with these plans. clients=backchannel registers the suite's logout
# endpoint on the clients (the other plans' modules fail on a logout token they do not expect);
# clients=fapi2 gives the suite FAPI 2.0 clients instead of the harness's.
run_harness() { # plans clients(plain|backchannel|fapi2)
  local plans=$1 clients=$2 harness n email
  rm -f "$WORK/client1.json" "$WORK/client2.json" "$WORK/user.json" "$SUITE_CONFIG"
  (cd "$ROOT" && PLANS="$plans" STEPUP_DIR="$ROOT" bash "$HARNESS" 2> >(tee "$harness_log" >&2)) &
  harness=$!
  # the harness writes the clients and the user, then waits for the suite to start (a minute or more)
  for _ in $(seq 1 1200); do
    [ -s "$WORK/client2.json" ] && [ -s "$WORK/user.json" ] && break
    kill -0 "$harness" 2>/dev/null || break
    sleep 0.5
  done
  if [ -s "$WORK/user.json" ]; then
    if [ "$clients" = backchannel ]; then
      for n in 1 2; do
        stepup_cli client update "$(json_field "$WORK/client$n.json" client_id)" \
          --backchannel-logout-uri "$SUITE_BASE/test/a/stepup/backchannel_logout" || echo "conformance: could not register the back-channel logout URI" >&2
      done
      echo "conformance: back-channel logout URI registered on both clients"
    fi
    if [ "$clients" = fapi2 ]; then
      use_fapi2_clients || echo "conformance: could not register the FAPI 2.0 clients" >&2
      echo "conformance: the suite's clients are two FAPI 2.0 clients"
    fi
    # the person the harness adds gets the profile an admin would give them (the profile scope's claims)
    email=$(json_field "$WORK/user.json" email)
    stepup_cli user update "$email" --name "Conformance Tester" --given-name Conformance --family-name Tester \
      --middle-name Suite --nickname Connie --preferred-username conformance --profile-url https://example.com/conformance \
      --picture https://example.com/conformance.png --website https://example.com --gender female --birthdate 2000-01-01 \
      --zoneinfo Europe/Paris --locale en-US || echo "conformance: could not set the profile" >&2
    echo "conformance: profile set for $email"
  fi
  wait "$harness"
}

# the back-channel plan and the FAPI 2.0 plans run on their own, after the others
PLANS="${PLANS:-oidcc-basic-certification-test-plan}"
[ "$PLANS" = all ] && PLANS="oidcc-basic-certification-test-plan oidcc-config-certification-test-plan
  oidcc-formpost-basic-certification-test-plan oidcc-rp-initiated-logout-certification-test-plan
  oidcc-backchannel-rp-initiated-logout-certification-test-plan
  fapi2-security-profile-final-test-plan[openid=openid_connect][client_auth_type=private_key_jwt][sender_constrain=dpop][fapi_profile=plain_fapi]"
others=() backchannel=() fapi2=()
for plan in $PLANS; do
  case $plan in oidcc-backchannel-*) backchannel+=("$plan") ;; fapi2-*) fapi2+=("$plan") ;; *) others+=("$plan") ;; esac
done
status=0 runs=0 beside=
# The FAPI 2.0 run beside the others, when the suite is already built (a first run builds it
# once, alone): a work directory of its own that shares the built suite, its ports 10 above the
# others'. The plans mostly wait on the suite's own steps, so this saves about three minutes.
if [ "${#fapi2[@]}" -gt 0 ] && [ "$((${#others[@]} + ${#backchannel[@]}))" -gt 0 ] && [ "${KEEP_RUNNING:-0}" != 1 ] \
  && compgen -G "$MAIN_WORK/conformance-suite-*/target/fapi-test-suite.jar" >/dev/null && [ -d "$MAIN_WORK/venv" ]; then
  beside="$MAIN_WORK-fapi2"
  mkdir -p "$beside"
  for built in "$MAIN_WORK"/conformance-suite-* "$MAIN_WORK/mongo-stand-in" "$MAIN_WORK/venv"; do
    [ -d "$built" ] && [ ! -L "$built" ] && ln -sfn "$built" "$beside/$(basename "$built")"
  done
  echo "conformance: the FAPI 2.0 plans run beside the others, in $beside; their output follows the others'"
  (
    export STEPUP_PORT=$((${STEPUP_PORT:-3310} + 10)) STEPUP_TLS_PORT=$((${STEPUP_TLS_PORT:-3443} + 10))
    export SUITE_PORT=$((${SUITE_PORT:-8089} + 10)) SUITE_TLS_PORT=$((${SUITE_TLS_PORT:-8443} + 10)) MONGO_PORT=$((${MONGO_PORT:-27117} + 10))
    use_work "$beside"
    trap stop_leftovers EXIT
    run_harness "${fapi2[*]}" fapi2
  ) >"$beside.log" 2>&1 &
  beside_pid=$!
  fapi2=()
fi
if [ "${#others[@]}" -gt 0 ]; then run_harness "${others[*]}" plain || status=$?; runs=1; fi
if [ "${#backchannel[@]}" -gt 0 ]; then
  [ "$runs" -gt 0 ] && stop_leftovers
  run_harness "${backchannel[*]}" backchannel || status=$?
  runs=$((runs + 1))
fi
if [ "${#fapi2[@]}" -gt 0 ]; then
  [ "$runs" -gt 0 ] && stop_leftovers
  run_harness "${fapi2[*]}" fapi2 || status=$?
fi
if [ -n "$beside" ]; then
  beside_status=0
  wait "$beside_pid" || beside_status=$?
  cat "$beside.log"
  [ "$beside_status" = 0 ] || status=$beside_status
fi
exit "$status"
