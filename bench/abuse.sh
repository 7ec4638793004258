#!/usr/bin/env bash
# Sends each attack of the abuse checklist once and prints how the server
# refused it: HTTP status, extensions.code, statements sent and latency.
# Then checks that the server still serves.
#
#   bench/abuse.sh                         start target/release/storefront on a
#                                          temporary SQLite database (tiny demo data)
#   bench/abuse.sh http://HOST:PORT        attack a server that is already running
#
# Environment (all optional):
#   STOREFRONT_BIN=target/release/storefront   server binary when none is given
#   MAX_MS=1000                                 each refusal must take less than this
#   HEALTH_TIMEOUT=60                           seconds to wait for the server's /healthz
#   KEEP_TMP=1                                  keep the temp dir (payloads, server log)
#
# Exit status: 0 when every attack was refused with a 4xx in under MAX_MS,
# before any SQL statement, and the server answered normally afterwards.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
bin="${STOREFRONT_BIN:-$root/target/release/storefront}"
MAX_MS="${MAX_MS:-1000}"

need_tools curl jq || exit 2

make_workdir storefront-abuse

if [[ $# -ge 1 ]]; then
  base="${1%/}"
  base="${base%/graphql}"
else
  [[ -x "$bin" ]] || {
    echo "no server binary at $bin: run cargo build --release, or pass a URL" >&2
    exit 2
  }
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  start_server "$bin" "$port" DATABASE_URL="sqlite://$workdir/abuse.db?mode=rwc" STOREFRONT_ENV=development
fi
url="$base/graphql"

# ---------------------------------------------------------------- payloads
as_request() { jq -cn --arg q "$1" '{query: $q}'; }
repeat() { # repeat TEXT N
  local out="" i
  for ((i = 0; i < $2; i++)); do out+="$1"; done
  printf '%s' "$out"
}

as_request "{ categories(first: 1) { nodes { $(repeat 'parent { ' 40)name$(repeat ' }' 40) } } }" >"$workdir/depth.json"

aliases=""
for ((i = 0; i < 2000; i++)); do aliases+="a$i: products(first: 1) { totalCount } "; done
as_request "{ $aliases}" >"$workdir/aliases.json"

jq -cn '[range(300) | {query: "{ products { totalCount } }"}]' >"$workdir/batch.json"

as_request "{ products(first: 1) $(repeat '@include(if: true) ' 1000){ totalCount } }" >"$workdir/directives.json"

as_request 'query { products { ...A } } fragment A on ProductConnection { totalCount ...B } fragment B on ProductConnection { ...A }' >"$workdir/cycle.json"

{
  printf '{"query":"{ __typename }","variables":{"padding":"'
  head -c $((5 << 20)) /dev/zero | tr '\0' x
  printf '"}}'
} >"$workdir/huge.json"

logins=""
for ((i = 0; i < 100; i++)); do
  logins+="a$i: login(input: { email: \"user$i@example.com\", password: \"guess-$i\" }) { accessToken } "
done
as_request "mutation { $logins}" >"$workdir/logins.json"

# ---------------------------------------------------------------- attacks
failures=0
printf '%-34s %8s %-20s %10s %10s  %s\n' attack status code statements latency verdict
attack() { # attack NAME FILE
  local name="$1" file="$2" out="$workdir/response.json" result status seconds ms code statements verdict
  result="$(curl -sS -o "$out" -w '%{http_code} %{time_total}' --max-time 30 \
    -H 'Content-Type: application/json' -H 'Accept: application/graphql-response+json' \
    --data-binary "@$file" "$url" 2>/dev/null || echo "000 0")"
  status="${result% *}"
  seconds="${result#* }"
  ms="$(awk -v s="$seconds" 'BEGIN { printf "%.1f", s * 1000 }')"
  code="$(jq -r 'if type == "object" then (.errors[0].extensions.code // "-") else "-" end' "$out" 2>/dev/null || echo -)"
  statements="$(jq -r 'if type == "object" then (.extensions.stats.sqlStatements // "-") else "-" end' "$out" 2>/dev/null || echo -)"
  verdict=ok
  if [[ "$status" != 4* ]]; then verdict="FAIL (not refused)"; fi
  if awk -v ms="$ms" -v max="$MAX_MS" 'BEGIN { exit !(ms >= max) }'; then verdict="FAIL (too slow)"; fi
  if [[ "$statements" != - && "$statements" != 0 ]]; then verdict="FAIL (reached the database)"; fi
  [[ "$verdict" == ok ]] || failures=$((failures + 1))
  printf '%-34s %8s %-20s %10s %8s ms  %s\n' "$name" "$status" "$code" "$statements" "$ms" "$verdict"
}

attack "40-level query" "$workdir/depth.json"
attack "2,000 aliases" "$workdir/aliases.json"
attack "300-operation batch" "$workdir/batch.json"
attack "1,000 repeated directives" "$workdir/directives.json"
attack "fragment cycle" "$workdir/cycle.json"
attack "5 MB body" "$workdir/huge.json"
attack "100 aliased login attempts" "$workdir/logins.json"

# ---------------------------------------------------------------- health
health="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$base/healthz" || echo 000)"
page="$(curl -sS --max-time 10 -H 'Content-Type: application/json' \
  --data-binary '{"query":"{ products(first: 3) { nodes { name } } }"}' "$url" || echo '{}')"
products="$(jq -r '(.data.products.nodes // []) | length' <<<"$page" 2>/dev/null || echo 0)"
if [[ "$health" == 200 ]] && [[ "$products" -gt 0 ]] && ! jq -e 'has("errors")' <<<"$page" >/dev/null; then
  echo "afterwards: /healthz $health, a catalog query returned $products products: healthy"
else
  echo "afterwards: /healthz $health, catalog query: $page: NOT healthy"
  failures=$((failures + 1))
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
