# Shared by the .ci/*/run.sh scripts that test a running server from Node.

# The URL a script is pointed at: `PORT` means http://127.0.0.1:PORT plus
# PATH; a full http(s):// URL is taken as it is.
# Usage: target_url "$1" /graphql
target_url() {
  case "$1" in
    http://* | https://*) printf '%s\n' "$1" ;;
    *[!0-9]* | '')
      echo "run.sh: PORT must be a number (or pass a full http:// URL), got: $1" >&2
      return 2
      ;;
    *) printf 'http://127.0.0.1:%s%s\n' "$1" "$2" ;;
  esac
}

# Fails unless Node.js is installed, then installs the folder's pinned npm
# packages from package-lock.json the first time (when node_modules/ is
# missing).
# Usage: node_packages DIR
node_packages() {
  if ! command -v node >/dev/null 2>&1; then
    echo "run.sh: node is not installed (need Node.js >= 20)" >&2
    return 2
  fi
  if [[ ! -d "$1/node_modules" ]]; then
    (cd "$1" && npm ci --silent --no-audit --no-fund)
  fi
}
