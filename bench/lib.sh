# Shared by the bench/*.sh scripts, which source it: messages, checks,
# the temp dir and its cleanup, the release build, PostgreSQL access, and
# starting, probing and stopping the release server.
#
# The sourcing script sets `root` (the repository) before calling these.
# State lives in a few globals: `workdir`, `server_pid`, `server_log` and
# `child_pid`; `cleanup` (the EXIT trap) stops what they name.

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# require_uints NAME...: each named variable holds a non-negative integer.
require_uints() {
  local v
  for v in "$@"; do
    is_uint "${!v}" || die "$v must be a non-negative integer, got '${!v}'"
  done
}

# install_hint TOOL: how to get TOOL on Debian/Ubuntu.
install_hint() {
  case "$1" in
    wrk) echo "apt-get update && apt-get install -y wrk   (Debian/Ubuntu; use sudo if not root)" ;;
    psql) echo "apt-get install postgresql-client" ;;
    timeout | base64) echo "apt-get install coreutils" ;;
    cargo) echo "https://rustup.rs" ;;
    *) echo "apt-get install $1" ;;
  esac
}

# need_tools TOOL...: prints each missing tool with how to install it;
# fails when any is missing (the caller decides how to exit).
need_tools() {
  local tool missing=0
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      printf 'missing tool: %s  (install: %s)\n' "$tool" "$(install_hint "$tool")" >&2
      missing=1
    fi
  done
  return "$missing"
}

# ---------------------------------------------------------------- temp dir and cleanup
server_pid=""
child_pid=""

# make_workdir NAME: creates the temp dir `workdir` (server log, wrk output)
# and installs the traps that stop the server and remove the dir on exit,
# Ctrl-C or SIGTERM. KEEP_TMP=1 keeps the dir.
make_workdir() {
  workdir="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  server_log="$workdir/server.log"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_child
  stop_server
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then
    printf 'temp files kept in %s\n' "$workdir" >&2
  else
    rm -rf "$workdir"
  fi
  exit "$rc"
}

# Long steps (migrate, seed, wrk) run as background children that we `wait`
# for: bash runs a trap only after a foreground command finishes, but `wait`
# returns at once on a signal, so Ctrl-C / SIGTERM stop the script promptly.
run_child() {
  "$@" &
  child_pid=$!
  local rc=0
  wait "$child_pid" || rc=$?
  child_pid=""
  return "$rc"
}

stop_child() {
  [[ -n "$child_pid" ]] || return 0
  terminate "$child_pid" 5 "child process"
  child_pid=""
}

# terminate PID SECONDS NAME: SIGTERM, up to SECONDS to exit, then SIGKILL.
terminate() {
  local pid="$1" seconds="$2" name="$3" i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < seconds * 5; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "$name (pid $pid) did not stop within $seconds s of SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- report header and build
now_ms() { date +%s%3N; }
fmt_secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# print_banner TITLE: the title, the time, the commit and the machine.
print_banner() {
  printf '%s  %s\n' "$1" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf 'commit: %s   host: %s cores, %s\n' \
    "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$(nproc 2>/dev/null || echo '?')" \
    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo 'unknown CPU')"
}

# build_release [CARGO ARGS...]: `cargo build --release ARGS` in the
# repository, timed, unless SKIP_BUILD=1.
build_release() {
  if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
    log "SKIP_BUILD=1: not building"
    return
  fi
  log "building (cargo build --release${*:+ $*})"
  local t0
  t0=$(now_ms)
  (cd "$root" && cargo build --release "$@")
  log "build took $(fmt_secs $(($(now_ms) - t0)))"
}

# ---------------------------------------------------------------- PostgreSQL
psql_on() { # psql_on DATABASE ARGS...
  local database="$1"
  shift
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$database" "$@"
}
psql_admin() { psql_on postgres "$@"; }

# require_postgres: the server at PGHOST:PGPORT answers as PGUSER.
require_postgres() {
  psql_admin -tAc 'select 1' >/dev/null 2>&1 ||
    die "cannot connect to PostgreSQL at $PGHOST:$PGPORT as $PGUSER (is it running? trust auth expected)"
}

# recreate_database NAME: drops NAME (with its connections) and creates it empty.
recreate_database() {
  psql_admin -c "drop database if exists $1 with (force)"
  psql_admin -c "create database $1"
}

# db_is_seeded DATABASE MARKER: DATABASE exists, has tables, and its comment
# (set by seed_database) starts with MARKER.
db_is_seeded() {
  local comment tables
  comment="$(psql_admin -tAc "select coalesce(shobj_description(oid, 'pg_database'), '') from pg_database where datname = '$1'")" || return 1
  [[ "$comment" == "$2"* ]] || return 1
  tables="$(psql -X -q -d "$1" -tAc "select count(*) from information_schema.tables where table_schema = 'public'")" || return 1
  ((tables > 0))
}

# seed_database BIN DATABASE SCALE SEED REUSE: DATABASE dropped, recreated,
# migrated and seeded with `BIN seed --scale SCALE --seed SEED`, unless
# REUSE is 1 and it already holds that seed. Sets `seed_ms` (empty when
# reused). Each step may take SEED_TIMEOUT seconds (default 1800).
seed_ms=""
seed_database() {
  local bin="$1" database="$2" scale="$3" seed="$4" reuse="$5" t0
  local url="postgres://$PGUSER@$PGHOST:$PGPORT/$database"
  local marker="storefront-bench seeded scale=$scale seed=$seed" limit="${SEED_TIMEOUT:-1800}"
  seed_ms=""
  if [[ "$reuse" == 1 ]] && db_is_seeded "$database" "$marker"; then
    log "REUSE_DB=1: reusing database $database ($(psql_admin -tAc "select shobj_description(oid, 'pg_database') from pg_database where datname = '$database'"))"
    return
  fi
  [[ "$reuse" == 1 ]] && log "REUSE_DB=1 but $database is not seeded with scale=$scale seed=$seed; recreating it"
  log "recreating database $database"
  recreate_database "$database"

  log "storefront migrate fresh"
  DATABASE_URL="$url" RUST_LOG=warn run_child timeout "$limit" "$bin" migrate fresh ||
    die "migrate fresh failed (or exceeded SEED_TIMEOUT=${limit}s)"

  log "storefront seed --scale $scale --seed $seed"
  t0=$(now_ms)
  DATABASE_URL="$url" RUST_LOG=warn run_child timeout "$limit" "$bin" seed --scale "$scale" --seed "$seed" ||
    die "seed failed (or exceeded SEED_TIMEOUT=${limit}s)"
  seed_ms=$(($(now_ms) - t0))
  log "seed took $(fmt_secs "$seed_ms")"
  psql_admin -c "comment on database $database is '$marker at $(date -u '+%Y-%m-%dT%H:%M:%SZ')'"
}

# ---------------------------------------------------------------- the server
# free_port: a port nothing listens on at 127.0.0.1.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
  fi
  local i p
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 20000))
    if ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      printf '%s\n' "$p"
      return
    fi
  done
  die "could not find a free port; set PORT"
}

# server_port: PORT when it is set (a number), else a free port.
server_port() {
  if [[ -n "${PORT:-}" ]]; then
    is_uint "$PORT" || die "PORT must be a number, got '$PORT'"
    printf '%s\n' "$PORT"
  else
    free_port
  fi
}

show_server_log() {
  if [[ -s "$server_log" ]]; then
    printf -- '--- last 40 lines of the server log ---\n' >&2
    tail -n 40 "$server_log" >&2
    printf -- '--------------------------------------\n' >&2
  fi
}

# start_server BIN PORT [VAR=VALUE...]: `BIN serve` in the background on
# 127.0.0.1:PORT with RUST_LOG=warn and the given variables, its output in
# $server_log; returns once /healthz answers (at most HEALTH_TIMEOUT
# seconds, default 60) and dies if the server exits or never answers.
start_server() {
  local bin="$1" port="$2"
  shift 2
  env STOREFRONT_LISTEN="127.0.0.1:$port" RUST_LOG=warn "$@" "$bin" serve >"$server_log" 2>&1 &
  server_pid=$!
  local url="http://127.0.0.1:$port/healthz" timeout="${HEALTH_TIMEOUT:-60}" deadline rc
  deadline=$(($(date +%s) + timeout))
  until curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      wait "$server_pid" 2>/dev/null && rc=0 || rc=$?
      server_pid=""
      show_server_log
      die "server exited (status $rc) before /healthz answered"
    fi
    if (($(date +%s) >= deadline)); then
      show_server_log
      die "server did not answer $url within ${timeout}s"
    fi
    sleep 0.25
  done
}

# stop_server: up to 10 s for a graceful shutdown, then SIGKILL.
stop_server() {
  [[ -n "$server_pid" ]] || return 0
  terminate "$server_pid" 10 server
  server_pid=""
}

# ---------------------------------------------------------------- wrk results
# result_field NAME FILE: the value of NAME=... on FILE's BENCH_RESULT line
# (printed by the wrk scripts' done()).
result_field() {
  grep '^BENCH_RESULT ' "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}
