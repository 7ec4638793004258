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
# shellcheck source=../lib.sh
source "$here/../lib.sh"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PORT|URL" >&2
  exit 2
fi
url="$(target_url "$1" "")" || exit 2

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "run.sh: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
  exit 2
fi

node_packages "$here" || exit 2

cd "$here"
STOREFRONT_URL="$url" CHROMIUM="$chromium" exec node --test --test-reporter=spec graphiql.test.mjs
