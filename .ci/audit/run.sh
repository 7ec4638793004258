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
# shellcheck source=../lib.sh
source "$here/../lib.sh"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PORT|URL" >&2
  exit 2
fi
url="$(target_url "$1" /graphql)" || exit 2
node_packages "$here" || exit 2

exec node "$here/audit.mjs" "$url"
