#!/usr/bin/env bash
# Open GraphiQL in headless Chromium against a local development server: a
# query typed into the editor must run and show its result, with no request
# beyond loopback and no policy violation or page error.
#
# Usage: .ci/browser/run.sh PORT            tests http://127.0.0.1:PORT/
#        .ci/browser/run.sh http://HOST:PORT
#
# Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM=path); Playwright
# downloads no browser. Installs the pinned npm packages from
# package-lock.json (npm ci) the first time, i.e. only when node_modules/ is
# missing. SCREENSHOT=file.png saves a picture of the page after the query.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PORT|URL" >&2
  exit 2
fi

case "$1" in
  http://* | https://*) url="$1" ;;
  *[!0-9]* | '')
    echo "run.sh: PORT must be a number (or pass a full http:// URL), got: $1" >&2
    exit 2
    ;;
  *) url="http://127.0.0.1:$1" ;;
esac

if ! command -v node >/dev/null 2>&1; then
  echo "run.sh: node is not installed (need Node.js >= 20)" >&2
  exit 2
fi

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "run.sh: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
  exit 2
fi

if [[ ! -d "$here/node_modules" ]]; then
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

cd "$here"
STOREFRONT_URL="$url" CHROMIUM="$chromium" exec node --test --test-reporter=spec graphiql.test.mjs
