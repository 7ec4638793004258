#!/usr/bin/env bash
# Re-downloads the pinned GraphiQL, React and ReactDOM packages from the npm
# registry and copies their prebuilt browser bundles, styles and licenses into
# static/NAME@VERSION/, replacing the vendored copies. The server embeds
# static/ at compile time; building it needs no network.
#
# Usage: assets/graphiql/refresh.sh
# To move to other versions, change the pins below, run this script, then
# change the versioned paths in page.html.
set -euo pipefail

GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# vendor NAME VERSION FILE... copies package/FILE of the npm tarball of
# NAME@VERSION into static/NAME@VERSION/, with the package's LICENSE.
vendor() {
  local name="$1" version="$2"
  shift 2
  local tarball
  tarball="$(cd "$work" && npm pack --silent "${name}@${version}")"
  mkdir -p "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name"
  local dest="$here/static/${name}@${version}"
  rm -rf "$here/static/${name}@"*
  mkdir -p "$dest"
  cp "$work/$name/package/LICENSE" "$dest/LICENSE"
  for file in "$@"; do
    cp "$work/$name/package/$file" "$dest/$(basename "$file")"
  done
}

vendor graphiql "$GRAPHIQL_VERSION" graphiql.min.js graphiql.min.css
vendor react "$REACT_VERSION" umd/react.production.min.js
vendor react-dom "$REACT_VERSION" umd/react-dom.production.min.js

echo "vendored graphiql@${GRAPHIQL_VERSION}, react@${REACT_VERSION}, react-dom@${REACT_VERSION} into $here/static"
