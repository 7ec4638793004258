#!/usr/bin/env bash
# Soak test: does the server's memory stay flat under millions of requests
# when nobody scrapes /metrics?
#
#   bench/soak.sh
#
# Starts a release server, sends TYPENAME_REQUESTS of `{ __typename }` and
# then CATALOG_REQUESTS of the catalog query (bench/catalog.graphql) in
# chunks of EVERY requests, and after each chunk prints the server's resident
# memory (VmRSS in /proc/PID/status). It never requests /metrics.
#
# ApacheBench (`ab -k -n`) sends exactly EVERY requests per chunk. Before
# each phase curl checks one answer (HTTP 200, "data", no "errors"); ab then
# counts every answer that is not 2xx or whose length differs from that
# checked one as failed, and any failure stops the run. The server runs in
# production mode so that answers carry no per-request stats and keep one
# length. See bench/README.md.
#
# Environment (all optional):
#   TYPENAME_REQUESTS=3000000   `{ __typename }` requests (0 to skip)
#   CATALOG_REQUESTS=200000     catalog requests (0 to skip); far slower each
#   EVERY=100000                requests per chunk (one RSS line per chunk)
#   CONNECTIONS=16              concurrent keep-alive connections
#   DATABASE=sqlite             `sqlite` (a temp file) or `postgres`
#   SCALE=tiny SEED=42          data set seeded before serving
#   BENCH_DB=storefront_soak    PostgreSQL database (dropped and recreated!)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres   PostgreSQL (trust auth)
#   SKIP_BUILD=1                do not run `cargo build --release`
#   STOREFRONT_BIN=             server binary (default: target/release/storefront)
#   PORT=                       server port (default: a free port)
#   HEALTH_TIMEOUT=60           seconds to wait for /healthz
#   KEEP_TMP=1                  keep the temp dir (server log, ab output)
#
# Exit status: 0 when every checked answer was right; 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

TYPENAME_REQUESTS="${TYPENAME_REQUESTS:-3000000}"
CATALOG_REQUESTS="${CATALOG_REQUESTS:-200000}"
EVERY="${EVERY:-100000}"
CONNECTIONS="${CONNECTIONS:-16}"
DATABASE="${DATABASE:-sqlite}"
SCALE="${SCALE:-tiny}"
SEED="${SEED:-42}"
BENCH_DB="${BENCH_DB:-storefront_soak}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
SKIP_BUILD="${SKIP_BUILD:-0}"
bin="${STOREFRONT_BIN:-$root/target/release/storefront}"
export PGHOST PGPORT PGUSER
export PGCONNECT_TIMEOUT=5

require_uints TYPENAME_REQUESTS CATALOG_REQUESTS EVERY CONNECTIONS SEED
((EVERY > 0 && CONNECTIONS > 0)) || die "EVERY and CONNECTIONS must be > 0"
case "$DATABASE" in sqlite | postgres) ;; *) die "DATABASE must be sqlite or postgres, got '$DATABASE'" ;; esac
case "$SCALE" in tiny | small | medium | large) ;; *) die "SCALE must be tiny|small|medium|large, got '$SCALE'" ;; esac
[[ "$BENCH_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"

tools=(ab curl jq)
if [[ "$DATABASE" == postgres ]]; then tools+=(psql); fi
if [[ "$SKIP_BUILD" != 1 ]]; then tools+=(cargo); fi
need_tools "${tools[@]}" || die "install the missing tools above and re-run"

make_workdir storefront-soak
print_banner "storefront soak test"

build_release
[[ -x "$bin" ]] || die "server binary not found or not executable: $bin (build it, or unset SKIP_BUILD)"

# ---------------------------------------------------------------- database
if [[ "$DATABASE" == postgres ]]; then
  require_postgres
  recreate_database "$BENCH_DB"
  database_url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB"
else
  database_url="sqlite://$workdir/soak.db?mode=rwc"
fi
log "storefront seed --scale $SCALE --seed $SEED ($DATABASE)"
DATABASE_URL="$database_url" RUST_LOG=warn run_child "$bin" seed --scale "$SCALE" --seed "$SEED" >/dev/null ||
  die "seed failed"

# ---------------------------------------------------------------- serve
port="$(server_port)"
url="http://127.0.0.1:$port/graphql"
# One client is one anonymous address: switch the cost budget off, as
# bench/catalog.sh does; the soak measures memory, not the rate limiter.
start_server "$bin" "$port" STOREFRONT_ENV=production DATABASE_URL="$database_url" \
  JWT_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" STOREFRONT_RATE_LIMIT_BUDGET=0
log "server is up (pid $server_pid); /metrics is never requested"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }

# ab_field LABEL FILE: the value after "LABEL:" in ab's report (empty if absent).
ab_field() { awk -F': *' -v k="$1" '$1 == k { split($2, v, " "); print v[1]; exit }' "$2"; }

# soak NAME QUERY_FILE REQUESTS: checks one answer, then sends REQUESTS in
# chunks of EVERY and prints one line per chunk: requests so far, VmRSS,
# the chunk's rate.
soak() {
  local name="$1" query="$2" total="$3" sent=0 chunk out length body answer
  ((total > 0)) || return 0
  body="$workdir/$name.json"
  answer="$workdir/$name-answer.json"
  jq -cn --rawfile q "$query" '{query: ($q | sub("\\s+$"; ""))}' >"$body"
  [[ "$(curl -sS --max-time 30 -o "$answer" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'Accept: application/json' --data-binary "@$body" "$url")" == 200 ]] &&
    jq -e 'has("errors") | not' "$answer" >/dev/null && jq -e '.data | type == "object"' "$answer" >/dev/null || {
    head -c 2000 "$answer" >&2
    die "$name: the answer is not HTTP 200 with data and no errors"
  }
  length="$(wc -c <"$answer" | tr -d ' ')"
  printf '\n%-10s %12s %10s %10s   (each answer: HTTP 200, %s bytes)\n' "$name" requests "RSS MiB" "req/s" "$length"
  printf '%-10s %12s %10s %10s\n' "" 0 "$(mib "$(rss_kib)")" -
  while ((sent < total)); do
    chunk=$((total - sent < EVERY ? total - sent : EVERY))
    out="$workdir/ab-$name-$sent.txt"
    run_child ab -q -k -s 30 -n "$chunk" -c "$CONNECTIONS" -p "$body" -T application/json \
      -H 'Accept: application/json' "$url" >"$out" 2>&1 || {
      cat "$out" >&2
      die "ab failed"
    }
    if [[ "$(ab_field 'Complete requests' "$out")" != "$chunk" || "$(ab_field 'Failed requests' "$out")" != 0 ||
      -n "$(ab_field 'Non-2xx responses' "$out")" || "$(ab_field 'Document Length' "$out")" != "$length" ]]; then
      cat "$out" >&2
      die "$name: failed answers in the chunk after $sent requests"
    fi
    sent=$((sent + chunk))
    printf '%-10s %12s %10s %10.0f\n' "" "$sent" "$(mib "$(rss_kib)")" "$(ab_field 'Requests per second' "$out")"
  done
}

start_kib="$(rss_kib)"
soak typename "$here/typename.graphql" "$TYPENAME_REQUESTS"
soak catalog "$here/catalog.graphql" "$CATALOG_REQUESTS"
end_kib="$(rss_kib)"
peak_kib="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"

stop_server
echo
printf 'data set: %s scale=%s seed=%s; ab -k, %s connections; every answer checked\n' \
  "$DATABASE" "$SCALE" "$SEED" "$CONNECTIONS"
printf 'RSS: %s MiB at start, %s MiB at the end, %s MiB peak (VmHWM)\n' \
  "$(mib "$start_kib")" "$(mib "$end_kib")" "$(mib "$peak_kib")"
