#!/usr/bin/env bash
# Idle `orderEvents` subscribers on one Storefront instance while orders
# arrive at a steady rate: delivery latency, deliveries per second, and the
# server's memory per idle subscriber and CPU.
#
#   bench/idle_subscribers.sh           1,000 and 10,000 subscribers, both
#                                       scenarios (about 10 min with the build)
#   bench/idle_subscribers.sh --smoke   50 subscribers for 3 s each
#
# Scenarios: `admin` (every subscriber the same admin, who sees every order:
# N deliveries per order) and `customer` (each subscriber a distinct
# customer; the orders are placed by the subscribed customers in turn, so
# each order is delivered once and every other subscriber filters it out).
# See bench/README.md ("Idle subscribers") for how to read the output.
#
# Environment (all optional):
#   SKIP_BUILD=1        do not build (the smoke uses the debug client that
#                       `cargo test` builds, the full run a release one)
#   SERVER_BIN=path     serve this binary instead of target/release/storefront
#                       (e.g. a copy of an older build, for before/after)
#   SIZES="1000 10000"  subscriber counts; SCENARIOS="admin customer"
#   RATE=10             orders per second; DURATION=30 seconds of orders
#   SCALE=small SEED=42 seed data set (products to order)
#   BENCH_DB=storefront_subscribers_bench   database (dropped and recreated!)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres   PostgreSQL (trust auth)
#   KEEP_TMP=1          keep the temp dir (server logs, client output)
#   SYNC_COMMIT=off     PostgreSQL synchronous_commit for the bench database:
#                       off keeps the disk's WAL flush stalls (up to 0.5 s
#                       on some VMs) out of the delivery latency; on
#                       includes them
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

MODE=full
case "${1:-}" in
  --smoke) MODE=smoke ;;
  "") ;;
  *) die "usage: bench/idle_subscribers.sh [--smoke]" ;;
esac
if [[ "$MODE" == smoke ]]; then
  SIZES="${SIZES:-50}"
  DURATION="${DURATION:-3}"
else
  SIZES="${SIZES:-1000 10000}"
  DURATION="${DURATION:-30}"
fi
SCENARIOS="${SCENARIOS:-admin customer}"
RATE="${RATE:-10}"
SCALE="${SCALE:-small}"
SEED="${SEED:-42}"
SYNC_COMMIT="${SYNC_COMMIT:-off}"
BENCH_DB="${BENCH_DB:-storefront_subscribers_bench}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER PGCONNECT_TIMEOUT=5

require_uints RATE DURATION SEED
((RATE > 0 && DURATION > 0)) || die "RATE and DURATION must be > 0"
max_size=0
for n in $SIZES; do
  is_uint "$n" && ((n > 0)) || die "SIZES must hold positive integers, got '$n'"
  ((n > max_size)) && max_size=$n
done
for s in $SCENARIOS; do
  case "$s" in admin | customer) ;; *) die "unknown scenario '$s'" ;; esac
done
[[ "$SYNC_COMMIT" == on || "$SYNC_COMMIT" == off ]] || die "SYNC_COMMIT must be on or off, got '$SYNC_COMMIT'"
[[ "$BENCH_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"

tools=(curl psql base64 python3)
[[ "${SKIP_BUILD:-0}" != 1 ]] && tools+=(cargo)
need_tools "${tools[@]}" || die "install the missing tools above and re-run"

# Each subscriber is one socket in the server and one in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fds="$(ulimit -n)"
[[ "$fds" == unlimited ]] || ((fds > max_size + 1000)) ||
  die "the open file limit is $fds; $max_size subscribers need more (raise the hard limit: ulimit -Hn)"

make_workdir storefront-subscribers
print_banner "storefront idle subscribers ($MODE)"

bin="${SERVER_BIN:-$root/target/release/storefront}"
if [[ "$MODE" == smoke ]]; then
  # The smoke checks deliveries, not speed, so the debug client (which
  # `cargo test` builds) serves: a release build of an example compiles the
  # dependencies again with the dev-dependencies' features, about 4 min.
  client="$root/target/debug/examples/idle_subscribers"
  build_release --bin storefront
  if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$root" && cargo build --example idle_subscribers)
  fi
else
  client="$root/target/release/examples/idle_subscribers"
  build_release --bin storefront --example idle_subscribers
fi
[[ -x "$bin" && -x "$client" ]] || die "server or client binary missing: build them, or unset SKIP_BUILD"

# ---------------------------------------------------------------- data
# PostgreSQL, as in production and bench/compare.sh: orders commit through
# the outbox's PostgreSQL path (positions allocated under a lock at commit).
require_postgres
psql_bench() { psql_on "$BENCH_DB" "$@"; }
database_url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB?sslmode=disable"
log "recreating database $BENCH_DB, seeding scale=$SCALE seed=$SEED"
recreate_database "$BENCH_DB" >/dev/null
psql_bench -qc "alter database $BENCH_DB set synchronous_commit = $SYNC_COMMIT"
log "synchronous_commit=$SYNC_COMMIT for $BENCH_DB"
DATABASE_URL="$database_url" RUST_LOG=warn "$bin" migrate fresh >/dev/null
DATABASE_URL="$database_url" RUST_LOG=warn "$bin" seed --scale "$SCALE" --seed "$SEED" >"$workdir/seed.log"

log "creating one admin, $max_size customers, and 20 products with ample stock"
psql_bench <<SQL
create table bench_customers as
with inserted as (
  insert into users (email, name, password_hash, role, created_at, updated_at)
  select 'sub' || g || '@bench.example', 'Subscriber ' || g, '!', 'CUSTOMER', now(), now()
  from generate_series(1, $max_size) g
  returning id
)
select id as user_id from inserted;
insert into users (email, name, password_hash, role, created_at, updated_at)
values ('sub-admin@bench.example', 'Bench Admin', '!', 'ADMIN', now(), now());
create table bench_products as select id as product_id from products order by id limit 20;
update products set stock = 10000000, updated_at = now()
where id in (select product_id from bench_products);
SQL
admin_id="$(psql_bench -tAc "select id from users where email = 'sub-admin@bench.example'")"
psql_bench -tAc 'select user_id from bench_customers order by user_id' >"$workdir/customers.txt"
psql_bench -tAc 'select product_id from bench_products order by product_id' |
  while read -r id; do printf 'Product:%s' "$id" | base64 | tr '+/' '-_' | tr -d '=\n'; echo; done >"$workdir/products.txt"
jwt_secret="$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')"

# ---------------------------------------------------------------- runs
# A fresh server per run, so that each starts from the same memory.
results=()
failed=0
for scenario in $SCENARIOS; do
  for n in $SIZES; do
    port="$(free_port)"
    per_user=50
    [[ "$scenario" == admin ]] && per_user=0 # every socket is the one admin
    log "scenario $scenario, $n subscribers, $RATE orders/s for ${DURATION}s (server on :$port)"
    start_server "$bin" "$port" STOREFRONT_ENV=production DATABASE_URL="$database_url" \
      JWT_SECRET="$jwt_secret" STOREFRONT_ACCESS_TOKEN_TTL=12h STOREFRONT_NO_MIGRATE=true \
      STOREFRONT_MAX_CONNECTIONS=$((n + 1000)) STOREFRONT_WS_MAX_CONNECTIONS_PER_USER=$per_user
    out="$workdir/$scenario-$n.txt"
    rc=0
    run_child env JWT_SECRET="$jwt_secret" STOREFRONT_ACCESS_TOKEN_TTL=12h "$client" \
      --url "http://127.0.0.1:$port" --server-pid "$server_pid" --scenario "$scenario" \
      --subscribers "$n" --admin-id "$admin_id" --customers "$workdir/customers.txt" \
      --products "$workdir/products.txt" --rate "$RATE" --seconds "$DURATION" \
      >"$out" 2>&1 || rc=$?
    grep -v '^RESULT ' "$out" | sed 's/^/    /'
    if ((rc != 0)); then
      warn "the $scenario run with $n subscribers failed (exit $rc)"
      failed=1
      show_server_log
    fi
    line="$(grep '^RESULT ' "$out" || true)"
    [[ -n "$line" ]] && results+=("$line")
    stop_server
  done
done

# ---------------------------------------------------------------- table
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
printf '\n| scenario | subscribers | deliveries | p50 ms | p99 ms | max ms | deliveries/s | RSS before MB | RSS idle MB | KB/subscriber | RSS peak MB | CPU idle %% | CPU load %% | errors |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for line in "${results[@]}"; do
  errors=$(($(field "$line" missing) + $(field "$line" unexpected) + $(field "$line" duplicates) + $(field "$line" bad) + $(field "$line" ended) + $(field "$line" place_errors)))
  printf '| %s | %s | %s/%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$(field "$line" scenario)" "$(field "$line" subscribers)" \
    "$(field "$line" delivered)" "$(field "$line" expected)" \
    "$(field "$line" p50_ms)" "$(field "$line" p99_ms)" "$(field "$line" max_ms)" \
    "$(field "$line" deliveries_per_s)" "$(field "$line" rss_before_mb)" \
    "$(field "$line" rss_idle_mb)" "$(field "$line" kb_per_subscriber)" \
    "$(field "$line" rss_peak_mb)" "$(field "$line" cpu_idle_pct)" \
    "$(field "$line" cpu_load_pct)" "$errors"
done
printf '\nLatency: receive time minus the placeOrder send time (same process clock); synchronous_commit=%s.\n' "$SYNC_COMMIT"
printf 'Targets (issue 14): 10,000 subscribers in <= 200 MB RSS; p99 <= 50 ms at 10 orders/s.\n'
exit "$failed"
