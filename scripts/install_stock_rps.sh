#!/usr/bin/env bash
# Installs the stock relying parties that test/stock_rp_*.test.ts run against Stepup, in
# STEPUP_STOCK_RPS (default ~/.cache/stepup-stock-rps, where test/support/stock_rps.ts looks):
#   venv/             Authlib and Flask from PyPI, the exact versions of test/stock_rps/authlib/requirements.txt
#   bin/oauth2-proxy  from the Go module proxy
#   bin/go-oidc-rp    test/stock_rps/go_oidc, built against go-oidc
# Quick when they are there already. A tool whose toolchain (python3, go) is missing is left
# out, saying so; its test then skips, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

home="${STEPUP_STOCK_RPS:-$HOME/.cache/stepup-stock-rps}"
oauth2_proxy_version=v7.15.6
mkdir -p "$home/bin"

# the requirements the venv was made from are kept in it: another list makes a new venv
requirements=test/stock_rps/authlib/requirements.txt
if ! command -v python3 >/dev/null; then
  echo "install_stock_rps: no python3, the Authlib test will be skipped" >&2
elif ! cmp -s "$requirements" "$home/venv/requirements.txt"; then
  rm -rf "$home/venv"
  python3 -m venv "$home/venv"
  "$home/venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$home/venv/requirements.txt"
fi

if ! command -v go >/dev/null; then
  echo "install_stock_rps: no go, the oauth2-proxy and go-oidc tests will be skipped" >&2
  exit 0
fi
# (a go-installed oauth2-proxy does not know its version; the module's build information does)
if ! go version -m "$home/bin/oauth2-proxy" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]]*github.com/oauth2-proxy/oauth2-proxy/v7[[:space:]]*$oauth2_proxy_version[[:space:]]"; then
  GOBIN="$home/bin" GOFLAGS=-mod=mod go install "github.com/oauth2-proxy/oauth2-proxy/v7@$oauth2_proxy_version"
fi
# go.mod and go.sum pin go-oidc; rebuilt when a source is newer than the binary
if [ ! -x "$home/bin/go-oidc-rp" ] || [ -n "$(find test/stock_rps/go_oidc -newer "$home/bin/go-oidc-rp")" ]; then
  (cd test/stock_rps/go_oidc && go build -o "$home/bin/go-oidc-rp" .)
fi
