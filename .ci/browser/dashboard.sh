#!/usr/bin/env bash
# The live dashboard (/dashboard) in headless Chromium against a release
# server of its own: dashboard.test.mjs starts it on a free port with a
# fresh SQLite database (development: demo data), creates an admin with
# `storefront user create --admin --password-stdin`, stops the server and
# starts it again on the same port and database mid-test.
#
# Usage: .ci/browser/dashboard.sh
#   STOREFRONT_BIN=path   the server binary (default target/release/storefront)
#   DASHBOARD_PORT=N      the port (default: a free one)
#   CHROMIUM=path         the browser (default /usr/bin/chromium)
#   SCREENSHOT=file.png   saves a picture of the page after the restart
#
# Needs Node.js 20 and Debian's chromium; Playwright downloads no browser.
# Installs the pinned npm packages (npm ci) when node_modules/ is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib.sh
source "$here/../lib.sh"

bin="${STOREFRONT_BIN:-$root/target/release/storefront}"
if [[ ! -x "$bin" ]]; then
  echo "dashboard.sh: no server binary at $bin (cargo build --release, or set STOREFRONT_BIN)" >&2
  exit 2
fi
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "dashboard.sh: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
  exit 2
fi
node_packages "$here" || exit 2

port="${DASHBOARD_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

cd "$here"
STOREFRONT_BIN="$bin" STOREFRONT_PORT="$port" STOREFRONT_WORKDIR="$workdir" CHROMIUM="$chromium" \
  node --test --test-reporter=spec dashboard.test.mjs
