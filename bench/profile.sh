#!/usr/bin/env bash
# Profiles Storefront under the catalog load of bench/compare.sh.
#
#   bench/profile.sh            perf: sampled call graphs under wrk load
#   bench/profile.sh callgrind  valgrind: instruction counts of N requests
#
# Builds `--profile profiling` (release code with debug symbols; see
# Cargo.toml) with frame pointers, which profile-level rustflags cannot set
# on stable, so through RUSTFLAGS: the build lands in target/profiling/ and
# leaves the release build alone. Serves the bench database of compare.sh
# (seeded here when missing) in production mode, pool 10, cost budget off.
#
# perf mode: `perf record -F 499 -g -p PID` for DURATION seconds while wrk
# runs the catalog page at CONNECTIONS; prints the top of `perf report`
# (self time per symbol) and keeps perf.data in OUT_DIR. Needs `perf`
# (Debian: apt-get install linux-perf); hardware counters are not needed.
#
# callgrind mode: the server runs under valgrind with instrumentation off until it
# is up, then REQUESTS catalog requests are counted (instructions, stable on a
# noisy machine) and the top of callgrind_annotate is printed.
#
# Environment (all optional): SKIP_BUILD=1, REUSE_DB=1 (default 1 here),
# SCALE=medium SEED=42 BENCH_DB=storefront_compare, DURATION=20,
# CONNECTIONS=16, THREADS=2, REQUESTS=50, TOP=40, OUT_DIR=target/profiles,
# WORKLOAD=catalog (any of compare.sh's), PGHOST/PGPORT/PGUSER.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

MODE="${1:-perf}"
case "$MODE" in perf | callgrind) ;; *) die "usage: bench/profile.sh [perf|callgrind]" ;; esac
SKIP_BUILD="${SKIP_BUILD:-0}"
REUSE_DB="${REUSE_DB:-1}"
SCALE="${SCALE:-medium}"
SEED="${SEED:-42}"
BENCH_DB="${BENCH_DB:-storefront_compare}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
REQUESTS="${REQUESTS:-50}"
TOP="${TOP:-40}"
WORKLOAD="${WORKLOAD:-catalog}"
OUT_DIR="${OUT_DIR:-$root/target/profiles}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
require_uints SEED DURATION CONNECTIONS THREADS REQUESTS TOP

tools=(curl jq psql)
[[ "$MODE" == perf ]] && tools+=(perf wrk)
[[ "$MODE" == callgrind ]] && tools+=(valgrind callgrind_control python3)
[[ "$SKIP_BUILD" != 1 ]] && tools+=(cargo)
need_tools "${tools[@]}" || die "install the missing tools above (perf: apt-get install linux-perf)"

make_workdir storefront-profile
mkdir -p "$OUT_DIR"
stamp="$(date -u '+%Y%m%dT%H%M%SZ')"
bin="$root/target/profiling/storefront"

if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building (RUSTFLAGS='-C force-frame-pointers=yes' cargo build --profile profiling --bin storefront)"
  (cd "$root" && RUSTFLAGS="-C force-frame-pointers=yes" cargo build --profile profiling --bin storefront)
fi
[[ -x "$bin" ]] || die "$bin missing: build it, or unset SKIP_BUILD"

require_postgres
seed_database "$bin" "$BENCH_DB" "$SCALE" "$SEED" "$REUSE_DB"

body="$workdir/body.json"
slug="$(psql_on "$BENCH_DB" -tAc "select slug from products order by id offset (select count(*) / 2 from products) limit 1")"
jq -cn --rawfile q "$here/compare/$WORKLOAD.storefront.graphql" --arg slug "$slug" \
  '{query: ($q | sub("\\s+$"; "")), variables: {slug: $slug}}' >"$body"
[[ "$WORKLOAD" == orders ]] && die "the orders workload needs an admin token: profile it through compare.sh's setup"

port="$(free_port)"
url="http://127.0.0.1:$port/graphql"
serve_env=(STOREFRONT_RESPONSE_CACHE_TTL=0 STOREFRONT_ENTITY_CACHE_TTL=0 STOREFRONT_ENV=production DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB?sslmode=disable"
  STOREFRONT_DB_MAX_CONNECTIONS=10 STOREFRONT_RATE_LIMIT_BUDGET=0
  JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')" STOREFRONT_NO_MIGRATE=true)

if [[ "$MODE" == perf ]]; then
  HEALTH_TIMEOUT=60 start_server "$bin" "$port" "${serve_env[@]}"
  log "warm-up: 5s of wrk"
  BODY_FILE="$body" run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$here/compare.lua" "$url" >/dev/null
  data="$OUT_DIR/perf-$WORKLOAD-$stamp.data"
  log "perf record -F 499 -g -p $server_pid for ${DURATION}s under wrk -c$CONNECTIONS"
  perf record -F 499 -g -p "$server_pid" -o "$data" -- sleep "$DURATION" >"$workdir/perf.log" 2>&1 &
  perf_pid=$!
  BODY_FILE="$body" run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$here/compare.lua" "$url" >"$workdir/wrk.txt"
  wait "$perf_pid" || { cat "$workdir/perf.log" >&2; die "perf record failed"; }
  grep -E '^(BENCH_RESULT|responses)' "$workdir/wrk.txt"
  # Whole reports go to files (a pipe into `head` would end perf with SIGPIPE).
  perf report -i "$data" --no-children --sort symbol --stdio -g none >"$data.self.txt" 2>/dev/null
  perf report -i "$data" --children --sort symbol --stdio -g none >"$data.children.txt" 2>/dev/null
  log "top $TOP symbols by self time ($data.self.txt)"
  grep -E '^ +[0-9]' "$data.self.txt" | sed -n "1,${TOP}p"
  log "top $TOP symbols by inclusive time ($data.children.txt)"
  grep -E '^ +[0-9]' "$data.children.txt" | sed -n "1,${TOP}p"
else
  out="$OUT_DIR/callgrind-$WORKLOAD-$stamp.out"
  env STOREFRONT_LISTEN="127.0.0.1:$port" RUST_LOG=warn "${serve_env[@]}" \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$bin" serve >"$server_log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { show_server_log; die "the server under valgrind exited"; }
    sleep 1
  done
  curl -fsS -o /dev/null -H 'Content-Type: application/json' --data-binary "@$body" "$url" # first request outside the count
  callgrind_control -i on "$server_pid" >/dev/null
  log "$REQUESTS $WORKLOAD requests under callgrind"
  # One curl for all of them: like wrk, the requests share a kept-alive
  # connection, so that its setup is not counted per request.
  urls=()
  for ((i = 0; i < REQUESTS; i++)); do urls+=("$url"); done
  curl -fsS -H 'Content-Type: application/json' --data-binary "@$body" "${urls[@]}" >/dev/null
  callgrind_control -i off "$server_pid" >/dev/null
  stop_server
  log "top $TOP functions by instructions ($out; per request: divide by $REQUESTS)"
  # callgrind_annotate (valgrind 3.19) puts a Rust server's whole cost on
  # its thread entry point; callgrind_top.py reads the file itself.
  python3 "$here/callgrind_top.py" "$out" "$TOP" | tee "$out.txt"
fi
