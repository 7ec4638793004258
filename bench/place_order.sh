#!/usr/bin/env bash
# placeOrder under contention: build, seed PostgreSQL, create customers and
# hot products, hammer placeOrder with wrk, then check in SQL that nothing
# was oversold.
#
#   bench/place_order.sh
#
# See bench/README.md ("placeOrder benchmark") for what it measures.
#
# Environment (all optional):
#   SKIP_BUILD=1        do not run `cargo build --release`
#   DURATION=20         seconds of load
#   CONNECTIONS=64      wrk connections, one customer each
#   THREADS=            wrk threads (default: CONNECTIONS, so that every
#                       connection signs in as its own customer)
#   HOT_PRODUCTS=100    products every order picks from at random
#   HOT_STOCK=1000      starting stock of each hot product (50 sells out
#                       within seconds: then most answers are CONFLICT)
#   WRK_TIMEOUT=10      seconds before wrk counts a request as timed out
#   SCALE=medium SEED=42               seed data set
#   BENCH_DB=storefront_orders_bench   database name (dropped and recreated!)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres   PostgreSQL (trust auth)
#   PORT=               server port (default: a free port)
#   HEALTH_TIMEOUT=60   seconds to wait for /healthz
#   KEEP_TMP=1          keep the temp dir (server log, wrk output, tokens)
#
# Exit status: 0 when no request failed (CONFLICT for a sold-out product is
# an expected answer, not a failure) and the stock invariant holds; 1
# otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

SKIP_BUILD="${SKIP_BUILD:-0}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-$CONNECTIONS}"
HOT_PRODUCTS="${HOT_PRODUCTS:-100}"
HOT_STOCK="${HOT_STOCK:-1000}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10}"
SCALE="${SCALE:-medium}"
SEED="${SEED:-42}"
BENCH_DB="${BENCH_DB:-storefront_orders_bench}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-60}"
KEEP_TMP="${KEEP_TMP:-0}"
bin="$root/target/release/storefront"
mint="$root/target/release/examples/mint_tokens"
lua_file="$here/place_order.lua"

export PGHOST PGPORT PGUSER
export PGCONNECT_TIMEOUT=5

require_uints DURATION CONNECTIONS THREADS HOT_PRODUCTS HOT_STOCK WRK_TIMEOUT SEED HEALTH_TIMEOUT
((DURATION > 0 && CONNECTIONS > 0 && HOT_PRODUCTS > 0)) || die "DURATION, CONNECTIONS and HOT_PRODUCTS must be > 0"
((THREADS > 0 && THREADS <= CONNECTIONS)) || die "THREADS must be between 1 and CONNECTIONS"
[[ "$BENCH_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"

need_tools wrk curl jq psql base64 python3 || die "install the missing tools above and re-run"

make_workdir storefront-orders-bench

print_banner "storefront placeOrder benchmark"

# ---------------------------------------------------------------- 1. build
build_release --bin storefront --example mint_tokens
[[ -x "$bin" && -x "$mint" ]] || die "release binaries missing: build them, or unset SKIP_BUILD"

# ---------------------------------------------------------------- 2. data
psql_bench() { psql_on "$BENCH_DB" "$@"; }

require_postgres
database_url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB"

log "recreating database $BENCH_DB, seeding scale=$SCALE seed=$SEED"
recreate_database "$BENCH_DB"
DATABASE_URL="$database_url" RUST_LOG=warn "$bin" migrate fresh >/dev/null
DATABASE_URL="$database_url" RUST_LOG=warn "$bin" seed --scale "$SCALE" --seed "$SEED" >"$workdir/seed.log"
tail -n 1 "$workdir/seed.log"

log "creating $CONNECTIONS customers and $HOT_PRODUCTS hot products with stock $HOT_STOCK"
psql_bench <<SQL
create table bench_customers as
with inserted as (
  insert into users (email, name, password_hash, role, created_at, updated_at)
  select 'bench' || g || '@bench.example', 'Bench Customer ' || g, '!', 'CUSTOMER', now(), now()
  from generate_series(1, $CONNECTIONS) g
  returning id
)
select id as user_id from inserted;
create table bench_hot_products as
select id as product_id, $HOT_STOCK as initial_stock from products order by id limit $HOT_PRODUCTS;
update products set stock = $HOT_STOCK, updated_at = now()
where id in (select product_id from bench_hot_products);
SQL
hot="$(psql_bench -tAc 'select count(*) from bench_hot_products')"
((hot == HOT_PRODUCTS)) || die "the data set has only $hot products; need HOT_PRODUCTS=$HOT_PRODUCTS"

jwt_secret="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
psql_bench -tAc 'select user_id from bench_customers order by user_id' |
  JWT_SECRET="$jwt_secret" STOREFRONT_ACCESS_TOKEN_TTL=3600 "$mint" >"$workdir/tokens.txt"
psql_bench -tAc 'select product_id from bench_hot_products order by product_id' |
  while read -r id; do printf 'Product:%s' "$id" | base64 | tr '+/' '-_' | tr -d '=\n'; echo; done >"$workdir/products.txt"

# ---------------------------------------------------------------- 3. serve
port="$(server_port)"
base="http://127.0.0.1:$port"
log "starting the server on 127.0.0.1:$port"
start_server "$bin" "$port" STOREFRONT_ENV=development DATABASE_URL="$database_url" \
  JWT_SECRET="$jwt_secret" STOREFRONT_ACCESS_TOKEN_TTL=3600

# One order first: it must succeed, and shows the statements an order costs.
probe="$(jq -cn --arg product "$(head -n 1 "$workdir/products.txt")" '{
  query: "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id number total { amount } } }",
  variables: { input: { items: [{ productId: $product, quantity: 1 }] } } }')"
probe_reply="$(curl -sS --max-time 30 -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $(head -n 1 "$workdir/tokens.txt")" --data-binary "$probe" "$base/graphql")"
jq -e '.data.placeOrder.number and (has("errors") | not)' <<<"$probe_reply" >/dev/null ||
  die "a single placeOrder failed: $probe_reply"
statements="$(jq -r '.extensions.stats.sqlStatements // "n/a"' <<<"$probe_reply")"
log "one placeOrder: $(jq -r .data.placeOrder.number <<<"$probe_reply"), $statements SQL statements"

# ---------------------------------------------------------------- 4. load
log "load: ${DURATION}s, $CONNECTIONS connections, $THREADS wrk threads"
TOKENS_FILE="$workdir/tokens.txt" PRODUCTS_FILE="$workdir/products.txt" \
  timeout $((DURATION + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" \
  --latency -s "$lua_file" "$base/graphql" >"$workdir/wrk.txt" 2>&1 || {
  cat "$workdir/wrk.txt"
  die "wrk failed"
}
grep -v '^BENCH_RESULT' "$workdir/wrk.txt"
grep -q '^BENCH_RESULT ' "$workdir/wrk.txt" || die "wrk printed no BENCH_RESULT line"
field() { result_field "$1" "$workdir/wrk.txt"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }

# In-flight orders finish before the invariant is read.
stop_server

# ---------------------------------------------------------------- 5. invariant
log "checking the stock invariant"
read -r products mismatched negative sold_out units orders stray <<<"$(psql_bench -tA -F ' ' <<'SQL'
with sold as (
  select oi.product_id, sum(oi.quantity) as units
  from order_items oi join orders o on o.id = oi.order_id
  where o.status <> 'CANCELLED' and o.user_id in (select user_id from bench_customers)
  group by oi.product_id
)
select count(*),
       count(*) filter (where h.initial_stock - p.stock <> coalesce(s.units, 0)),
       count(*) filter (where p.stock < 0),
       count(*) filter (where p.stock = 0),
       coalesce(sum(s.units), 0),
       (select count(*) from orders where user_id in (select user_id from bench_customers)),
       (select count(*) from sold where product_id not in (select product_id from bench_hot_products))
from bench_hot_products h
join products p on p.id = h.product_id
left join sold s on s.product_id = h.product_id;
SQL
)"

placed="$(field placed)"
errors="$(field errors)"
echo
echo "================ storefront placeOrder benchmark ================"
printf 'load:             %ss, %s connections (one customer each), %s wrk threads\n' "$DURATION" "$CONNECTIONS" "$THREADS"
printf 'hot products:     %s, stock %s each (%s units), quantity 1 per order\n' "$HOT_PRODUCTS" "$HOT_STOCK" $((HOT_PRODUCTS * HOT_STOCK))
printf 'SQL statements:   %s per placeOrder (extensions.stats.sqlStatements)\n' "$statements"
printf 'requests/s:       %s\n' "$(field rps)"
printf 'latency:          p50 %s, p90 %s, p99 %s, max %s\n' "$(ms "$(field p50_us)")" \
  "$(ms "$(field p90_us)")" "$(ms "$(field p99_us)")" "$(ms "$(field max_us)")"
printf 'answers:          %s placed, %s CONFLICT (sold out), %s failed\n' "$placed" "$(field conflicts)" "$errors"
printf 'placed orders/s:  %s\n' "$(awk -v n="$placed" -v d="$(field duration_us)" 'BEGIN { printf "%.1f", n / (d / 1e6) }')"
printf 'in the database:  %s orders (incl. the probe), %s units sold, %s of %s products sold out\n' \
  "$orders" "$units" "$sold_out" "$products"
printf 'invariant:        %s products where initial - final stock != units ordered, %s below zero, %s stray\n' \
  "$mismatched" "$negative" "$stray"
echo "================================================================="

((mismatched == 0 && negative == 0 && stray == 0)) || die "the stock invariant is broken"
((errors == 0)) || die "$errors requests failed: the figures above are NOT valid"
# Orders wrk saw placed, plus the probe, plus at most one per connection
# whose answer wrk did not read before it stopped.
((orders >= placed + 1 && orders <= placed + 1 + CONNECTIONS)) ||
  die "wrk counted $placed placed orders but the database holds $orders"
