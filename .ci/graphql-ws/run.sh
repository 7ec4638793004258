#!/usr/bin/env bash
# Subscribe to a local development server with the graphql-ws client library
# (graphql-transport-ws): a query and a stockChanges subscription must run,
# receive and complete.
#
# Usage: .ci/graphql-ws/run.sh PORT            tests ws://127.0.0.1:PORT/graphql
#        .ci/graphql-ws/run.sh http://HOST:PORT
#
# Installs the pinned npm packages from package-lock.json (npm ci) the first
# time, i.e. only when node_modules/ is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$here/../lib.sh"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PORT|URL" >&2
  exit 2
fi
url="$(target_url "$1" "")" || exit 2
node_packages "$here" || exit 2

cd "$here"
STOREFRONT_URL="$url" exec node --test --test-reporter=spec client.test.mjs
