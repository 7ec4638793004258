#!/usr/bin/env bash
# Run the graphql-http GraphQL-over-HTTP server audit against a local server.
#
# Usage: .ci/audit/run.sh PORT            audits http://127.0.0.1:PORT/graphql
#        .ci/audit/run.sh http://HOST:PORT/graphql
#
# Installs the pinned npm packages from package-lock.json (npm ci) the first
# time, i.e. only when node_modules/ is missing. Exit code is audit.mjs's:
# 0 pass, 1 a MUST/SHOULD audit failed, 2 usage error / server unreachable.
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
  *) url="http://127.0.0.1:$1/graphql" ;;
esac

if ! command -v node >/dev/null 2>&1; then
  echo "run.sh: node is not installed (need Node.js >= 18)" >&2
  exit 2
fi

if [[ ! -d "$here/node_modules" ]]; then
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

exec node "$here/audit.mjs" "$url"
