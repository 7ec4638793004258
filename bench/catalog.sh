#!/usr/bin/env bash
# Catalog read benchmark for storefront: build, seed PostgreSQL, serve, load-test.
#
#   bench/catalog.sh
#
# See bench/README.md for what it measures. Everything is on this machine:
# PostgreSQL on 127.0.0.1 and the server on a free 127.0.0.1 port.
#
# Environment (all optional):
#   SKIP_BUILD=1        do not run `cargo build --release`
#   REUSE_DB=1          keep database storefront_bench if it was already
#                       seeded by this script with the same SCALE and SEED
#   WARMUP=5            warm-up seconds (16 connections, not reported)
#   DURATION=15         seconds per measured run
#   CONNECTIONS="16 64" connection counts to measure
#   THREADS=2           wrk threads
#   WRK_TIMEOUT=10      seconds before wrk counts a request as timed out
#   SCALE=medium SEED=42               seed data set
#   BENCH_DB=storefront_bench          database name (dropped and recreated!)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres   PostgreSQL (trust auth)
#   PORT=               server port (default: a free port)
#   STOREFRONT_BIN=     server binary (default: target/release/storefront)
#   HEALTH_TIMEOUT=60   seconds to wait for /healthz
#   SEED_TIMEOUT=1800   seconds allowed for migrate + seed
#   KEEP_TMP=1          keep the temp dir (server log, wrk output)
#   STOREFRONT_RATE_LIMIT_BUDGET=0     the server's cost budget (0: off)
#
# Exit status: 0 when every measured request succeeded; 1 on any failure,
# including any failed response counted during the load test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

SKIP_BUILD="${SKIP_BUILD:-0}"
REUSE_DB="${REUSE_DB:-0}"
WARMUP="${WARMUP:-5}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16 64}"
THREADS="${THREADS:-2}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10}"
SCALE="${SCALE:-medium}"
SEED="${SEED:-42}"
BENCH_DB="${BENCH_DB:-storefront_bench}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-60}"
SEED_TIMEOUT="${SEED_TIMEOUT:-1800}"
KEEP_TMP="${KEEP_TMP:-0}"
bin="${STOREFRONT_BIN:-$root/target/release/storefront}"
query_file="$here/catalog.graphql"
lua_file="$here/catalog.lua"

export PGHOST PGPORT PGUSER
export PGCONNECT_TIMEOUT=5

require_uints WARMUP DURATION THREADS WRK_TIMEOUT SEED HEALTH_TIMEOUT SEED_TIMEOUT
((DURATION > 0)) || die "DURATION must be > 0"
((THREADS > 0)) || die "THREADS must be > 0"
for c in $CONNECTIONS; do
  if ! is_uint "$c" || ((c < THREADS)); then
    die "CONNECTIONS entries must be integers >= THREADS ($THREADS), got '$c'"
  fi
done
[[ "$BENCH_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"
case "$SCALE" in tiny | small | medium | large) ;; *) die "SCALE must be tiny|small|medium|large, got '$SCALE'" ;; esac

# ---------------------------------------------------------------- prerequisites
tools=(wrk curl jq psql timeout)
if [[ "$SKIP_BUILD" != 1 ]]; then tools+=(cargo); fi
need_tools "${tools[@]}" || die "install the missing tools above and re-run"
[[ -r "$query_file" ]] || die "query file not found: $query_file"
[[ -r "$lua_file" ]] || die "wrk script not found: $lua_file"

# ---------------------------------------------------------------- cleanup
make_workdir storefront-bench

print_banner "storefront catalog benchmark"

# ---------------------------------------------------------------- 1. build
build_release
[[ -x "$bin" ]] || die "server binary not found or not executable: $bin (build it, or unset SKIP_BUILD)"

# ---------------------------------------------------------------- 2. database
require_postgres

database_url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB"
seed_database "$bin" "$BENCH_DB" "$SCALE" "$SEED" "$REUSE_DB"

# ---------------------------------------------------------------- 3. serve
port="$(server_port)"
base="http://127.0.0.1:$port"
log "starting $bin serve on 127.0.0.1:$port (STOREFRONT_ENV=development, RUST_LOG=warn)"
# One wrk client is one anonymous IP spending ~1,100 cost points per request,
# far beyond the default per-IP budget: the benchmark measures serving, not
# the rate limiter, so it switches the budget off unless told otherwise.
# It measures the read path, so the caches are off unless asked for.
start_server "$bin" "$port" STOREFRONT_ENV=development DATABASE_URL="$database_url" \
  STOREFRONT_RATE_LIMIT_BUDGET="${STOREFRONT_RATE_LIMIT_BUDGET:-0}" \
  STOREFRONT_RESPONSE_CACHE_TTL="${STOREFRONT_RESPONSE_CACHE_TTL:-0}" \
  STOREFRONT_ENTITY_CACHE_TTL="${STOREFRONT_ENTITY_CACHE_TTL:-0}"
log "server is up (pid $server_pid)"

# ---------------------------------------------------------------- 4. one request
body_file="$workdir/catalog.json"
jq -cn --rawfile q "$query_file" '{query: ($q | sub("\\s+$"; ""))}' >"$body_file"

resp_file="$workdir/catalog-response.json"
http_code="$(curl -sS --max-time 30 -o "$resp_file" -w '%{http_code}' \
  -H 'Content-Type: application/json' -H 'Accept: application/json' \
  --data-binary "@$body_file" "$base/graphql")" || die "catalog request failed (curl)"

if [[ "$http_code" != 200 ]] || ! jq -e 'type == "object"' "$resp_file" >/dev/null 2>&1; then
  head -c 2000 "$resp_file" >&2 || true
  echo >&2
  show_server_log
  die "catalog query returned HTTP $http_code or a non-JSON body"
fi
if jq -e 'has("errors")' "$resp_file" >/dev/null; then
  jq '.errors' "$resp_file" >&2
  die "catalog query returned GraphQL errors; not benchmarking a failing query"
fi
nodes="$(jq '.data.products.nodes | length' "$resp_file" 2>/dev/null || echo '?')"
reviews="$(jq '[.data.products.nodes[]?.reviews.nodes | length] | add // 0' "$resp_file" 2>/dev/null || echo '?')"
sql_statements="$(jq -r '.extensions.stats.sqlStatements // "n/a"' "$resp_file")"
resp_bytes="$(wc -c <"$resp_file" | tr -d ' ')"
log "catalog query: HTTP 200, $nodes products, $reviews reviews, $resp_bytes bytes"
log "extensions.stats.sqlStatements = $sql_statements"
if [[ "$sql_statements" == n/a ]]; then
  warn "response has no extensions.stats.sqlStatements (is STOREFRONT_ENV=development honoured?)"
fi
[[ "$nodes" == 50 ]] || warn "expected 50 products in the response, got $nodes"

# ---------------------------------------------------------------- 5. load
run_wrk() { # run_wrk NAME CONNECTIONS SECONDS
  local name="$1" conns="$2" secs="$3" out="$workdir/wrk-$1.txt"
  run_child timeout $((secs + 60)) wrk -t"$THREADS" -c"$conns" -d"${secs}s" --timeout "${WRK_TIMEOUT}s" --latency \
    -s "$lua_file" "$base/graphql" >"$out" 2>&1 || {
    cat "$out"
    die "wrk failed ($name)"
  }
  cat "$out"
  grep -q '^BENCH_RESULT ' "$out" || die "wrk output for $name has no BENCH_RESULT line"
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }

first_conns="${CONNECTIONS%% *}"
if ((WARMUP > 0)); then
  log "warm-up: ${WARMUP}s at $first_conns connections (not reported)"
  run_wrk warmup "$first_conns" "$WARMUP"
  warm_errors="$(result_field errors "$workdir/wrk-warmup.txt")"
  ((warm_errors == 0)) || warn "$warm_errors failed requests during warm-up"
fi

for c in $CONNECTIONS; do
  log "measuring: ${DURATION}s at $c connections, $THREADS threads"
  run_wrk "c$c" "$c" "$DURATION"
done

# ---------------------------------------------------------------- 6. memory
vmhwm="$(awk '/^VmHWM:/ { print $2, $3 }' "/proc/$server_pid/status" 2>/dev/null || true)"
vmrss="$(awk '/^VmRSS:/ { print $2, $3 }' "/proc/$server_pid/status" 2>/dev/null || true)"
kb_to_mib() { awk -v kb="${1%% *}" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

# ---------------------------------------------------------------- 7. stop
log "stopping the server"
stop_server

# ---------------------------------------------------------------- summary
total_errors=0
echo
echo "================ storefront catalog benchmark ================"
printf 'query:            bench/catalog.graphql (products(first: 50), reviews(first: 3))\n'
printf 'data set:         scale=%s seed=%s in PostgreSQL %s:%s/%s\n' "$SCALE" "$SEED" "$PGHOST" "$PGPORT" "$BENCH_DB"
if [[ -n "$seed_ms" ]]; then
  printf 'seed time:        %s\n' "$(fmt_secs "$seed_ms")"
else
  printf 'seed time:        n/a (database reused)\n'
fi
printf 'SQL statements:   %s per catalog request (extensions.stats.sqlStatements)\n' "$sql_statements"
printf 'response size:    %s bytes\n' "$resp_bytes"
printf 'wrk:              %s threads, %ss per run after %ss warm-up\n' "$THREADS" "$DURATION" "$WARMUP"
echo
printf '%-12s %12s %12s %12s %12s %8s\n' connections requests/s p50 p99 requests errors
for c in $CONNECTIONS; do
  f="$workdir/wrk-c$c.txt"
  e="$(result_field errors "$f")"
  total_errors=$((total_errors + e))
  printf '%-12s %12s %12s %12s %12s %8s\n' "$c" "$(result_field rps "$f")" "$(ms "$(result_field p50_us "$f")")" \
    "$(ms "$(result_field p99_us "$f")")" "$(result_field requests "$f")" "$e"
done
echo
if [[ -n "$vmhwm" ]]; then
  printf 'server peak RSS:  %s (VmHWM %s; VmRSS at end %s)\n' "$(kb_to_mib "$vmhwm")" "$vmhwm" "${vmrss:-?}"
else
  printf 'server peak RSS:  n/a (could not read /proc/PID/status)\n'
fi
echo "=============================================================="

if ((total_errors > 0)); then
  die "$total_errors failed requests during the measured runs: the figures above are NOT valid"
fi
