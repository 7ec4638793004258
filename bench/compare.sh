#!/usr/bin/env bash
# Storefront beside PostGraphile v5 on the same PostgreSQL data, same load.
#
#   bench/compare.sh            the full comparison (medium data; about 35 min with the cache rows)
#   bench/compare.sh --smoke    CI: no load; each workload once against each
#                               server, and both must return the same rows
#
# See bench/README.md ("Side by side with PostGraphile") for what it does and
# how to read the table. Everything runs on this machine: PostgreSQL on
# 127.0.0.1, both servers on free 127.0.0.1 ports, wrk and pgbench.
#
# Environment (all optional):
#   SKIP_BUILD=1        do not run `cargo build --release`
#   REUSE_DB=1          keep BENCH_DB if this script already seeded it alike
#   SCALE=medium        seed scale (smoke: small); SEED=42
#   BENCH_DB=storefront_compare   database (dropped and recreated!); smoke
#                       uses storefront_compare_smoke
#   WORKLOADS="catalog orders product typename"
#   CACHES="entity entity-l1 response response-l1"   Storefront with its
#                       caches, beside the cold one, on the catalog and
#                       product workloads (full mode; smoke: none): entity
#                       cache in Redis with the L1 off, then on; response
#                       cache in Redis with the L1 off, then on
#   REDIS_URL=redis://127.0.0.1:6379   the Redis of those servers (each
#                       under its own key prefix)
#   CONNECTIONS="16 64" THREADS=2   wrk connections and threads
#   WARMUP=5 DURATION=15 RUNS=3     seconds of warm-up per server and
#                       connection count, seconds per measured run, runs
#   NOISE_MAX=15        a run is redone when processes other than the server
#                       under test, its PostgreSQL backends and wrk took more
#                       than this % of the machine's CPU time during it
#   REDO_MAX=2          redos per run; after that the run is kept, flagged
#   SAMPLES=10          sequential requests per workload and server for the
#                       statement count
#   PGBENCH_CLIENTS=10  clients of the pgbench ceiling (Storefront's pool)
#   RESULTS_FILE=bench/RESULTS.md   where the full run appends its table
#                       (RECORD=0: print only)
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres   PostgreSQL (trust auth)
#   PG_LOG=             PostgreSQL's log file (default: found under
#                       /var/log/postgresql); statements are counted there
#   KEEP_TMP=1          keep the temp dir (server logs, responses, wrk output)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

MODE=full
case "${1:-}" in
  --smoke) MODE=smoke ;;
  "") ;;
  *) die "usage: bench/compare.sh [--smoke]" ;;
esac

SKIP_BUILD="${SKIP_BUILD:-0}"
REUSE_DB="${REUSE_DB:-0}"
if [[ "$MODE" == smoke ]]; then
  CACHES="${CACHES-}"
  SCALE="${SCALE:-small}"
  BENCH_DB="${BENCH_DB:-storefront_compare_smoke}"
  SAMPLES="${SAMPLES:-2}"
else
  CACHES="${CACHES-entity entity-l1 response response-l1}"
  SCALE="${SCALE:-medium}"
  BENCH_DB="${BENCH_DB:-storefront_compare}"
  SAMPLES="${SAMPLES:-10}"
fi
SEED="${SEED:-42}"
WORKLOADS="${WORKLOADS:-catalog orders product typename}"
CONNECTIONS="${CONNECTIONS:-16 64}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-5}"
DURATION="${DURATION:-15}"
RUNS="${RUNS:-3}"
NOISE_MAX="${NOISE_MAX:-15}"
REDO_MAX="${REDO_MAX:-2}"
PGBENCH_CLIENTS="${PGBENCH_CLIENTS:-10}"
RECORD="${RECORD:-1}"
RESULTS_FILE="${RESULTS_FILE:-$here/RESULTS.md}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
export PGCONNECT_TIMEOUT=5 PGSSLMODE=disable

require_uints SEED THREADS WARMUP DURATION RUNS NOISE_MAX REDO_MAX SAMPLES PGBENCH_CLIENTS
[[ "$BENCH_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"
for w in $WORKLOADS; do
  case "$w" in catalog | orders | product | typename) ;; *) die "unknown workload '$w'" ;; esac
done
cache_servers=()
for v in $CACHES; do
  case "$v" in entity | entity-l1 | response | response-l1) cache_servers+=("sf-$v") ;; *) die "unknown cache setup '$v'" ;; esac
done
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
redis_port="$(sed -E 's#^redis://([^@/]*@)?[^:/]*:?([0-9]*).*#\2#' <<<"$REDIS_URL")"
redis_port="${redis_port:-6379}"
# cached WORKLOAD: whether the cache setups run it (public reads only).
cached() { [[ "$1" == catalog || "$1" == product ]]; }

bin="$root/target/release/storefront"
bare_bin="$root/target/release/examples/bare_graphql"
pgl_dir="$here/postgraphile"
node_bin="$pgl_dir/node_modules/.bin/node"
queries="$here/compare"

tools=(curl jq psql python3 npm)
((${#cache_servers[@]})) && tools+=(redis-cli)
[[ "$MODE" == full ]] && tools+=(wrk pgbench)
[[ "$SKIP_BUILD" != 1 ]] && tools+=(cargo)
need_tools "${tools[@]}" || die "install the missing tools above and re-run"

make_workdir storefront-compare
print_banner "storefront vs PostGraphile ($MODE)"

# ---------------------------------------------------------------- servers
# name -> pid; each server's output goes to $workdir/NAME.log.
declare -A pid_of=() port_of=()

stop_servers() {
  local name
  for name in "${!pid_of[@]}"; do
    terminate "${pid_of[$name]}" 10 "$name"
    unset "pid_of[$name]"
  done
}
# Statement logging is switched on for the check phase only (section 3).
logging_on=0
stop_logging() {
  if ((logging_on)); then
    psql_admin -c "alter database $BENCH_DB reset log_statement" || true
    logging_on=0
  fi
}
trap 'rc=$?; stop_servers; stop_logging; (exit "$rc"); cleanup' EXIT

# wait_until_up NAME URL [CURL ARGS...]: polls URL until it answers 200.
wait_until_up() {
  local name="$1" url="$2" deadline
  shift 2
  deadline=$(($(date +%s) + ${HEALTH_TIMEOUT:-120}))
  until curl -fsS --max-time 2 -o /dev/null "$@" "$url" 2>/dev/null; do
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
      tail -n 40 "$workdir/$name.log" >&2
      die "$name exited before answering $url"
    fi
    (($(date +%s) < deadline)) || {
      tail -n 40 "$workdir/$name.log" >&2
      die "$name did not answer $url in time"
    }
    sleep 0.25
  done
}

jwt_secret="$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')"
# Plain TCP for every client: sqlx's default (sslmode=prefer) would put
# Storefront's connections under TLS while node-postgres' default has none.
database_url="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB?sslmode=disable"

start_servers() {
  port_of[storefront]="$(free_port)"
  # The cold read path: the response cache would answer repeats unexecuted.
  env STOREFRONT_RESPONSE_CACHE_TTL=0 STOREFRONT_ENTITY_CACHE_TTL=0 STOREFRONT_ENV=production STOREFRONT_LISTEN="127.0.0.1:${port_of[storefront]}" RUST_LOG=warn \
    DATABASE_URL="$database_url" STOREFRONT_DB_MAX_CONNECTIONS=10 STOREFRONT_RATE_LIMIT_BUDGET=0 \
    JWT_SECRET="$jwt_secret" STOREFRONT_ACCESS_TOKEN_TTL=12h STOREFRONT_NO_MIGRATE=true \
    "$bin" serve >"$workdir/storefront.log" 2>&1 &
  pid_of[storefront]=$!

  # The same server with its caches, each on its own Redis key prefix.
  local v cache_env
  for v in "${cache_servers[@]}"; do
    case "$v" in
      sf-entity) cache_env=(STOREFRONT_RESPONSE_CACHE_TTL=0 STOREFRONT_ENTITY_CACHE_TTL=5m STOREFRONT_ENTITY_CACHE_L1_TTL=0) ;;
      sf-entity-l1) cache_env=(STOREFRONT_RESPONSE_CACHE_TTL=0 STOREFRONT_ENTITY_CACHE_TTL=5m STOREFRONT_ENTITY_CACHE_L1_TTL=10s) ;;
      sf-response) cache_env=(STOREFRONT_RESPONSE_CACHE_TTL=5m STOREFRONT_RESPONSE_CACHE_L1_TTL=0 STOREFRONT_ENTITY_CACHE_TTL=0) ;;
      sf-response-l1) cache_env=(STOREFRONT_RESPONSE_CACHE_TTL=5m STOREFRONT_RESPONSE_CACHE_L1_TTL=10s STOREFRONT_ENTITY_CACHE_TTL=0) ;;
    esac
    port_of[$v]="$(free_port)"
    env "${cache_env[@]}" REDIS_URL="$REDIS_URL" STOREFRONT_REDIS_PREFIX="bench:$v:$$:" \
      STOREFRONT_ENV=production STOREFRONT_LISTEN="127.0.0.1:${port_of[$v]}" RUST_LOG=warn \
      DATABASE_URL="$database_url" STOREFRONT_DB_MAX_CONNECTIONS=10 STOREFRONT_RATE_LIMIT_BUDGET=0 \
      JWT_SECRET="$jwt_secret" STOREFRONT_ACCESS_TOKEN_TTL=12h STOREFRONT_NO_MIGRATE=true \
      "$bin" serve >"$workdir/$v.log" 2>&1 &
    pid_of[$v]=$!
    wait_until_up "$v" "http://127.0.0.1:${port_of[$v]}/healthz"
    log "up: $v pid ${pid_of[$v]} :${port_of[$v]}"
  done

  port_of[postgraphile]="$(free_port)"
  (cd "$pgl_dir" && exec env NODE_ENV=production WORKERS=2 POOL=5 PORT="${port_of[postgraphile]}" \
    DATABASE_URL="$database_url" "$node_bin" server.mjs) >"$workdir/postgraphile.log" 2>&1 &
  pid_of[postgraphile]=$!

  local probe='{"query":"{ __typename }"}'
  wait_until_up storefront "http://127.0.0.1:${port_of[storefront]}/healthz"
  wait_until_up postgraphile "http://127.0.0.1:${port_of[postgraphile]}/graphql" \
    -H 'Content-Type: application/json' --data "$probe"
  log "up: storefront pid ${pid_of[storefront]} :${port_of[storefront]}, postgraphile pid ${pid_of[postgraphile]} :${port_of[postgraphile]}"

  # The ceiling is only measured under load: smoke mode neither builds nor runs it.
  if [[ "$MODE" == full ]]; then
    port_of[bare]="$(free_port)"
    "$bare_bin" "127.0.0.1:${port_of[bare]}" >"$workdir/bare.log" 2>&1 &
    pid_of[bare]=$!
    wait_until_up bare "http://127.0.0.1:${port_of[bare]}/graphql" \
      -H 'Content-Type: application/json' --data "$probe"
    log "up: bare pid ${pid_of[bare]} :${port_of[bare]}"
  fi
}

# server_pids NAME: the server's process and its children (node:cluster workers);
# for the cache setups, also the Redis they use: its CPU is part of their cost.
server_pids() {
  local pid="${pid_of[$1]}"
  printf '%s\n' "$pid"
  pgrep -P "$pid" || true
  if [[ "$1" == sf-* ]]; then
    pgrep -f "^redis-server [^ ]*:${redis_port}( |\$)" || true
  fi
}

# ---------------------------------------------------------------- 1. build and install
# The example pulls in the dev-dependencies: smoke mode (CI) builds the server only.
targets=(--bin storefront)
[[ "$MODE" == full ]] && targets+=(--example bare_graphql)
if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building (cargo build --release ${targets[*]})"
  (cd "$root" && cargo build --release "${targets[@]}")
fi
[[ -x "$bin" ]] || die "$bin missing: build it, or unset SKIP_BUILD"
[[ "$MODE" == smoke || -x "$bare_bin" ]] || die "$bare_bin missing: build it, or unset SKIP_BUILD"

if [[ ! -x "$node_bin" || "$pgl_dir/package-lock.json" -nt "$pgl_dir/node_modules/.package-lock.json" ]]; then
  log "installing PostGraphile and Node 22 (npm ci in bench/postgraphile)"
  (cd "$pgl_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
((node_major >= 22)) || die "bench/postgraphile's node is $node_major, need >= 22"

# ---------------------------------------------------------------- 2. data
require_postgres
seed_database "$bin" "$BENCH_DB" "$SCALE" "$SEED" "$REUSE_DB"

admin_email="bench-admin@example.com"
admin_password="bench-admin-password-$SEED"
if [[ "$(psql_on "$BENCH_DB" -tAc "select count(*) from users where email = '$admin_email'")" == 0 ]]; then
  printf '%s\n' "$admin_password" | DATABASE_URL="$database_url" RUST_LOG=warn \
    "$bin" user create --email "$admin_email" --name "Bench Admin" --admin --password-stdin >/dev/null
fi
slug="$(psql_on "$BENCH_DB" -tAc "select slug from products order by id offset (select count(*) / 2 from products) limit 1")"
[[ -n "$slug" ]] || die "no product in $BENCH_DB"

# body_of WORKLOAD SERVER: the JSON request body file.
body_of() { printf '%s/%s.%s.json\n' "$workdir" "$1" "$2"; }
for w in $WORKLOADS; do
  for s in storefront postgraphile; do
    jq -cn --rawfile q "$queries/$w.$s.graphql" --arg slug "$slug" --arg w "$w" \
      '{query: ($q | sub("\\s+$"; ""))} + (if $w == "product" then {variables: {slug: $slug}} else {} end)' \
      >"$(body_of "$w" "$s")"
  done
done
[[ " $WORKLOADS " == *" typename "* ]] && cp "$(body_of typename storefront)" "$(body_of typename bare)"
for w in $WORKLOADS; do
  if cached "$w"; then
    for v in "${cache_servers[@]}"; do cp "$(body_of "$w" storefront)" "$(body_of "$w" "$v")"; done
  fi
done
if ((${#cache_servers[@]})); then
  redis-cli -u "$REDIS_URL" ping >/dev/null || die "Redis at $REDIS_URL does not answer (needed by CACHES)"
fi

# ---------------------------------------------------------------- 3. statement log
# Statements per request are counted in PostgreSQL's own log, with
# log_statement=all on the bench database for the check phase only
# (pg_stat_statements is not preloaded on these machines). The same log
# gives the catalog page's statements for the pgbench ceiling.
pg_log="${PG_LOG:-$(ls -t /var/log/postgresql/postgresql-*.log 2>/dev/null | head -n 1 || true)}"
if [[ -n "$pg_log" && -r "$pg_log" ]]; then
  psql_admin -c "alter database $BENCH_DB set log_statement = 'all'"
  logging_on=1
else
  warn "PostgreSQL's log is not readable (set PG_LOG): no statement counts, no pgbench ceiling"
  pg_log=""
fi

# ---------------------------------------------------------------- 4. check phase
start_servers
login='{"query":"mutation($input: LoginInput!) { login(input: $input) { accessToken } }","variables":{"input":{"email":"'"$admin_email"'","password":"'"$admin_password"'"}}}'
token="$(curl -fsS -H 'Content-Type: application/json' --data "$login" \
  "http://127.0.0.1:${port_of[storefront]}/graphql" | jq -er '.data.login.accessToken')" ||
  die "could not sign in the bench admin"

# auth_of WORKLOAD SERVER: the Authorization header value (admin orders on Storefront).
auth_of() { [[ "$1" == orders && "$2" == storefront ]] && printf 'Bearer %s' "$token" || true; }

# ask WORKLOAD SERVER OUT: one request; OUT gets the body. Fails on errors or no data.
ask() {
  local w="$1" s="$2" out="$3" auth
  auth="$(auth_of "$w" "$s")"
  curl -fsS --max-time 30 -H 'Content-Type: application/json' -H 'Accept: application/json' \
    ${auth:+-H "Authorization: $auth"} --data-binary "@$(body_of "$w" "$s")" \
    "http://127.0.0.1:${port_of[$s]}/graphql" >"$out" || die "$w on $s: HTTP request failed"
  jq -e '(has("errors") | not) and .data != null' "$out" >/dev/null || {
    head -c 1500 "$out" >&2
    echo >&2
    die "$w on $s: the response has errors or no data"
  }
}

log_size() { if [[ -n "$pg_log" ]]; then stat -c %s "$pg_log"; else echo 0; fi; }
# log_since OFFSET: the bench database's statement lines logged after OFFSET.
log_since() {
  tail -c +"$(($1 + 1))" "$pg_log" | python3 "$queries/statements.py" "$PGUSER@$BENCH_DB"
}

declare -A statements_of=()
rows_differ=0
for w in $WORKLOADS; do
  for s in storefront postgraphile; do
    ask "$w" "$s" "$workdir/$w.$s.response.json"
    jq -cS --arg workload "$w" --arg server "$s" -f "$queries/rows.jq" \
      "$workdir/$w.$s.response.json" >"$workdir/$w.$s.rows.json"
  done
  rows="$(jq 'if type == "array" then length else 1 end' "$workdir/$w.storefront.rows.json")"
  if cmp -s "$workdir/$w.storefront.rows.json" "$workdir/$w.postgraphile.rows.json"; then
    log "$w: both servers return the same $rows rows"
  else
    warn "$w: the servers return different rows"
    diff <(jq . "$workdir/$w.storefront.rows.json") <(jq . "$workdir/$w.postgraphile.rows.json") | head -n 30 >&2 || true
    rows_differ=1
  fi
  [[ "$w" != typename ]] && ((rows == 0)) && die "$w: no rows to compare (is $BENCH_DB seeded?)"
  # The cache setups: the same rows, and their statements once warm.
  sampled=(storefront postgraphile)
  if cached "$w"; then
    for v in "${cache_servers[@]}"; do
      ask "$w" "$v" "$workdir/$w.$v.response.json"
      jq -cS --arg workload "$w" --arg server storefront -f "$queries/rows.jq" \
        "$workdir/$w.$v.response.json" >"$workdir/$w.$v.rows.json"
      cmp -s "$workdir/$w.storefront.rows.json" "$workdir/$w.$v.rows.json" || {
        warn "$w: $v returns other rows than the cold server"
        rows_differ=1
      }
      sampled+=("$v")
    done
  fi
  if [[ -n "$pg_log" ]]; then
    for s in "${sampled[@]}"; do
      sleep 0.2
      offset="$(log_size)"
      for ((i = 0; i < SAMPLES; i++)); do ask "$w" "$s" "$workdir/sample.json"; done
      sleep 0.5
      log_since "$offset" >"$workdir/$w.$s.sql"
      statements_of[$w.$s]="$(awk -v n="$(grep -c '' "$workdir/$w.$s.sql")" -v k="$SAMPLES" 'BEGIN { printf "%.1f", n / k }')"
      log "$w on $s: ${statements_of[$w.$s]} statements per request"
    done
  fi
done
((rows_differ == 0)) || die "the servers disagree on the data (see above)"

if [[ "$MODE" == smoke ]]; then
  log "smoke: every workload answered by both servers with the same rows"
  exit 0
fi

# The pgbench script: the statements of one catalog request, as Storefront sent them.
pgbench_script=""
if [[ -n "$pg_log" && " $WORKLOADS " == *" catalog "* ]]; then
  pgbench_script="$workdir/catalog.pgbench.sql"
  offset="$(log_size)"
  ask catalog storefront "$workdir/sample.json"
  sleep 0.5
  log_since "$offset" | sed 's/$/;/' >"$pgbench_script"
  log "pgbench script: $(grep -c '' "$pgbench_script") statements of one catalog request"
fi

if [[ -n "$pg_log" ]]; then
  stop_logging
  log "restarting the servers without statement logging"
  stop_servers
  start_servers
fi

# ---------------------------------------------------------------- 5. load
clk_tck="$(getconf CLK_TCK)"
cores="$(nproc)"
results="$workdir/results.tsv"
: >"$results"

# jiffies PID...: user + system CPU of the processes, in clock ticks.
jiffies() {
  local p total=0 t
  for p in "$@"; do
    t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || true)"
    total=$((total + ${t:-0}))
  done
  printf '%s\n' "$total"
}
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# The script's waited-for children (wrk) so far.
waited_jiffies() { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"; }
backend_pids() {
  psql_admin -tAc "select pid from pg_stat_activity where datname = '$BENCH_DB' and backend_type = 'client backend'"
}
# backend_jiffies: "pid jiffies" per line for the bench database's backends.
# A backend that exits between the listing and the read is left out.
backend_jiffies() {
  local p
  for p in $(backend_pids); do
    [[ -r "/proc/$p/stat" ]] && printf '%s %s\n' "$p" "$(jiffies "$p")"
  done
  return 0
}

# wrk_run NAME WORKLOAD SERVER CONNECTIONS SECONDS: runs wrk; output in $workdir/NAME.txt.
wrk_run() {
  local out="$workdir/$1.txt" auth
  auth="$(auth_of "$2" "$3")"
  BODY_FILE="$(body_of "$2" "$3")" AUTHORIZATION="$auth" run_child timeout $(($5 + 60)) \
    wrk -t"$THREADS" -c"$4" -d"$5s" --timeout 10s --latency -s "$here/compare.lua" \
    "http://127.0.0.1:${port_of[$3]}/graphql" >"$out" 2>&1 || {
    cat "$out" >&2
    die "wrk failed ($1)"
  }
  grep -q '^BENCH_RESULT ' "$out" || die "wrk output of $1 has no BENCH_RESULT line"
}

# measure WORKLOAD SERVER CONNECTIONS RUN: one measured run, redone while
# other processes took more than NOISE_MAX % of the CPU; appends to $results.
measure() {
  local w="$1" s="$2" c="$3" r="$4" attempt name pids busy0 busy1 srv0 srv1 wait0 wait1 t0 t1
  local backends0 backends1 pg errors other noise
  for ((attempt = 0; ; attempt++)); do
    name="$w-$s-c$c-r$r-a$attempt"
    mapfile -t pids < <(server_pids "$s")
    backends0="$(backend_jiffies)"
    busy0="$(busy_jiffies)" srv0="$(jiffies "${pids[@]}")" wait0="$(waited_jiffies)" t0="$(now_ms)"
    wrk_run "$name" "$w" "$s" "$c" "$DURATION"
    busy1="$(busy_jiffies)" srv1="$(jiffies "${pids[@]}")" wait1="$(waited_jiffies)" t1="$(now_ms)"
    backends1="$(backend_jiffies)"
    pg="$(awk 'FILENAME == ARGV[1] { before[$1] = $2; next } $2 > 0 { d = $2 - ($1 in before ? before[$1] : 0); if (d > 0) total += d } END { print total + 0 }' \
      <(printf '%s\n' "$backends0") <(printf '%s\n' "$backends1"))"
    other=$((busy1 - busy0 - (srv1 - srv0) - pg - (wait1 - wait0)))
    noise="$(awk -v o="$other" -v ms="$((t1 - t0))" -v hz="$clk_tck" -v n="$cores" \
      'BEGIN { p = 100 * o / (ms / 1000 * hz * n); printf "%.1f", p < 0 ? 0 : p }')"
    errors="$(result_field errors "$workdir/$name.txt")"
    ((errors == 0)) || {
      cat "$workdir/$name.txt" >&2
      die "$name: $errors failed requests; the figures would not be valid"
    }
    if awk -v p="$noise" -v m="$NOISE_MAX" 'BEGIN { exit !(p > m) }' && ((attempt < REDO_MAX)); then
      warn "$name: other processes took $noise % of the CPU; redoing the run"
      continue
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$s" "$r" \
      "$(result_field rps "$workdir/$name.txt")" "$(result_field p50_us "$workdir/$name.txt")" \
      "$(result_field p99_us "$workdir/$name.txt")" "$(result_field requests "$workdir/$name.txt")" \
      "$(awk -v j="$((srv1 - srv0))" -v hz="$clk_tck" 'BEGIN { print j * 1000 / hz }')" \
      "$(awk -v j="$pg" -v hz="$clk_tck" 'BEGIN { print j * 1000 / hz }')" "$noise" >>"$results"
    log "$name: $(result_field rps "$workdir/$name.txt") req/s, other processes $noise % CPU"
    return
  done
}

# reset_peak / peak_kb SERVER: VmHWM of the server's processes, summed.
reset_peak() {
  local p
  for p in $(server_pids "$1"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
}
peak_kb() {
  local p total=0 kb
  for p in $(server_pids "$1"); do
    kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)"
    total=$((total + ${kb:-0}))
  done
  printf '%s\n' "$total"
}

peaks="$workdir/peaks.tsv"
: >"$peaks"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for w in $WORKLOADS; do
  servers=(storefront postgraphile)
  [[ "$w" == typename ]] && servers+=(bare)
  cached "$w" && servers+=("${cache_servers[@]}")
  for c in $CONNECTIONS; do
    for s in "${servers[@]}"; do
      log "warm-up: $w on $s, ${WARMUP}s at $c connections"
      ((WARMUP > 0)) && wrk_run "warmup-$w-$s-c$c" "$w" "$s" "$c" "$WARMUP"
      reset_peak "$s"
    done
    for ((r = 1; r <= RUNS; r++)); do
      # Alternate who goes first, so that neither always runs on a warmer machine.
      if ((r % 2)); then order=("${servers[@]}"); else order=($(printf '%s\n' "${servers[@]}" | tac)); fi
      for s in "${order[@]}"; do measure "$w" "$s" "$c" "$r"; done
    done
    for s in "${servers[@]}"; do printf '%s\t%s\t%s\t%s\n' "$w" "$c" "$s" "$(peak_kb "$s")" >>"$peaks"; done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 6. pgbench ceiling
pgbench_tps=""
if [[ -n "$pgbench_script" ]]; then
  for ((r = 1; r <= RUNS; r++)); do
    log "pgbench: the catalog's statements, $PGBENCH_CLIENTS clients, ${DURATION}s (run $r)"
    run_child pgbench -n -M prepared -f "$pgbench_script" -c "$PGBENCH_CLIENTS" -j "$THREADS" \
      -T "$DURATION" "$BENCH_DB" >"$workdir/pgbench-$r.txt" 2>&1 || {
      cat "$workdir/pgbench-$r.txt" >&2
      die "pgbench failed"
    }
    awk '/^tps = / { print $3 }' "$workdir/pgbench-$r.txt" >>"$workdir/pgbench.tps"
  done
  pgbench_tps="$(sort -n "$workdir/pgbench.tps" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
fi

# ---------------------------------------------------------------- 7. report
for key in "${!statements_of[@]}"; do printf '%s\t%s\n' "$key" "${statements_of[$key]}"; done >"$workdir/statements.tsv"
report="$workdir/report.md"
python3 "$queries/report.py" "$results" "$peaks" "$workdir/statements.tsv" "${pgbench_tps:-}" >"$report" <<EOF
date: $(date -u '+%Y-%m-%d %H:%M UTC')
commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/^MemTotal:/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)
load average before / after: $load_before / $load_after
data: scale=$SCALE seed=$SEED, PostgreSQL $(psql_admin -tAc 'show server_version') at $PGHOST:$PGPORT/$BENCH_DB
load: wrk $THREADS threads, ${WARMUP}s warm-up per server and connection count, $RUNS runs of ${DURATION}s (medians), runs redone above ${NOISE_MAX}% CPU taken by other processes (at most $REDO_MAX times)
EOF
echo
cat "$report"
if [[ "$RECORD" == 1 ]]; then
  {
    echo
    cat "$report"
  } >>"$RESULTS_FILE"
  log "appended to $RESULTS_FILE"
fi
