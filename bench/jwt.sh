#!/usr/bin/env bash
# What checking the access token costs a whole request: `{ __typename }`
# (no database work) load-tested with and without `Authorization: Bearer`,
# alternating runs, on a release build with an embedded SQLite database.
#
#   bench/jwt.sh
#
# Needs wrk, curl and jq. Environment (all optional):
#   SKIP_BUILD=1      do not run `cargo build --release`
#   DURATION=10       seconds per measured run
#   ROUNDS=2          anonymous/bearer pairs (alternated to cancel drift)
#   CONNECTIONS=16    wrk connections
#   THREADS=2         wrk threads
#   JWT_ALGORITHM=HS256   HS256, EdDSA or RS256 (test fixture keys)
#   HEALTH_TIMEOUT=60 seconds to wait for /healthz
#   KEEP_TMP=1        keep the temp dir (server log, wrk output)
#
# Exits non-zero when any measured response failed (wrk + bench/catalog.lua
# check every body, not only status codes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
SKIP_BUILD="${SKIP_BUILD:-0}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
JWT_ALGORITHM="${JWT_ALGORITHM:-HS256}"
bin="$root/target/release/storefront"

need_tools wrk curl jq || die "install the missing tools above and re-run"

make_workdir storefront-jwt

build_release
[[ -x "$bin" ]] || die "no release binary at $bin"

export JWT_SECRET="jwt-bench-secret-of-at-least-32-bytes"
case "$JWT_ALGORITHM" in
  HS256) ;;
  EdDSA) key=ed25519 ;;
  RS256) key=rsa ;;
  *) die "JWT_ALGORITHM must be HS256, EdDSA or RS256" ;;
esac
if [[ -n "${key:-}" ]]; then
  export STOREFRONT_JWT_PRIVATE_KEY_FILE="$root/tests/fixtures/$key-private.pem"
  export STOREFRONT_JWT_PUBLIC_KEY_FILE="$root/tests/fixtures/$key-public.pem"
fi
port="$(free_port)"
url="http://127.0.0.1:$port/graphql"
start_server "$bin" "$port" DATABASE_URL="sqlite://$workdir/jwt.db?mode=rwc" \
  STOREFRONT_ENV=production STOREFRONT_ACCESS_TOKEN_TTL=3600

# Production does not load demo data: create an account, then sign in.
printf 'bench password 1234\n' | DATABASE_URL="sqlite://$workdir/jwt.db?mode=rwc" RUST_LOG=warn \
  "$bin" user create --email bench@example.com --name Bench --password-stdin >/dev/null
token="$(curl -fsS "$url" -H 'content-type: application/json' \
  -d '{"query":"mutation { login(input: {email: \"bench@example.com\", password: \"bench password 1234\"}) { accessToken } }"}' |
  jq -er '.data.login.accessToken')"
check="$(curl -fsS "$url" -H 'content-type: application/json' -H "authorization: Bearer $token" \
  -d '{"query":"{ viewer { email } }"}' | jq -er '.data.viewer.email')"
[[ "$check" == bench@example.com ]] || die "the token does not sign in"

export CATALOG_QUERY_FILE="$here/typename.graphql"
run() { # label, extra wrk args...
  local label="$1"
  shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$here/catalog.lua" "$@" "$url" \
    >"$workdir/wrk.out"
  local result
  result="$(grep '^BENCH_RESULT' "$workdir/wrk.out")" || die "no result from wrk: $(cat "$workdir/wrk.out")"
  printf '%s %s\n' "$label" "$result" >>"$workdir/results"
  [[ "$result" == *" errors=0 "* ]] || die "$label: failed responses: $result"
}

printf 'JWT cost per request: { __typename }, %s, %s connections, %s x %s s per mode, commit %s\n' \
  "$JWT_ALGORITHM" "$CONNECTIONS" "$ROUNDS" "$DURATION" "$(git -C "$root" rev-parse --short HEAD)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$here/catalog.lua" "$url" >/dev/null # warm-up
for _ in $(seq 1 "$ROUNDS"); do
  run anonymous
  run bearer -H "Authorization: Bearer $token"
done

awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    n[$1]++; rps[$1] += v["rps"]; p50[$1] += v["p50_us"]; p99[$1] += v["p99_us"] }
  END {
    printf "%-10s %12s %10s %10s\n", "mode", "req/s", "p50 us", "p99 us"
    for (m in n) printf "%-10s %12.0f %10.0f %10.0f\n", m, rps[m] / n[m], p50[m] / n[m], p99[m] / n[m]
    if (n["anonymous"] && n["bearer"]) {
      a = rps["anonymous"] / n["anonymous"]; b = rps["bearer"] / n["bearer"]
      printf "bearer/anonymous throughput: %.3f; per-request cost of the token: %.1f us of server time\n", b / a, (1e6 / b - 1e6 / a)
    }
  }' "$workdir/results"
