-- wrk script for the storefront placeOrder benchmark (bench/place_order.sh).
--
--   TOKENS_FILE=tokens.txt PRODUCTS_FILE=products.txt \
--     wrk -t64 -c64 -d20s --latency -s bench/place_order.lua http://127.0.0.1:8000/graphql
--
-- Every request places an order of one unit of a random product from
-- PRODUCTS_FILE (one global product ID per line), signed in as a customer
-- from TOKENS_FILE (one access token per line). Tokens are handed out per
-- wrk thread, so with as many threads as connections every connection is
-- its own customer.
--
-- Every response body is classified, since async-graphql answers 200 with
-- "errors": a placed order ("placeOrder":{...} and no errors), a CONFLICT
-- (sold out: the expected refusal under contention), or a failure (any
-- other error, a non-200 status, or no data). done() prints the counts and
-- one machine-readable line for bench/place_order.sh:
--
--   BENCH_RESULT requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N
--     max_us=N placed=N conflicts=N errors=N non200=N other_errors=N
--     no_data=N socket_errors=N
--
-- (one line in the real output). `errors` counts failures and socket
-- errors; a run is only valid when it is 0.

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/lib.lua")

local function read_lines(variable)
  local path = os.getenv(variable)
  if not path then
    error("place_order.lua: set " .. variable)
  end
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  if #lines == 0 then
    error("place_order.lua: " .. path .. " is empty")
  end
  return lines
end

local tokens = read_lines("TOKENS_FILE")
local products = read_lines("PRODUCTS_FILE")

local query = "mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }"

local threads = {}
local next_index = 1

function setup(thread)
  if next_index > #tokens then
    error("place_order.lua: more wrk threads than tokens in TOKENS_FILE")
  end
  thread:set("index", next_index)
  next_index = next_index + 1
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread runs its own Lua state).
placed = 0
conflicts = 0
non200 = 0
other_errors = 0
no_data = 0
sample_failure = nil
local headers = {}

function init(args)
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json"
  headers["Authorization"] = "Bearer " .. tokens[index]
  math.randomseed(os.time() * 1000 + index)
end

function request()
  local product = products[math.random(#products)]
  local body = '{"query":"' .. query .. '","variables":{"input":{"items":[{"productId":"'
    .. product .. '","quantity":1}]}}}'
  return wrk.format("POST", nil, headers, body)
end

function response(status, _, body)
  if status ~= 200 then
    non200 = non200 + 1
  elseif body:find('"errors"', 1, true) then
    if body:find('"code":"CONFLICT"', 1, true) then
      conflicts = conflicts + 1
      return
    end
    other_errors = other_errors + 1
  elseif body:find('"placeOrder":{', 1, true) then
    placed = placed + 1
    return
  else
    no_data = no_data + 1
  end
  lib.note_failure(status, body)
end

function done(summary, latency, _)
  local c, sample = lib.collect(threads, { "placed", "conflicts", "non200", "other_errors", "no_data" })
  local failures = c.non200 + c.other_errors + c.no_data
  local socket_errors = lib.socket_errors(summary)
  local total_errors = failures + socket_errors

  io.write("------------------------------------------------------------\n")
  io.write(string.format("orders placed:     %d\n", c.placed))
  io.write(string.format("CONFLICT (sold out): %d\n", c.conflicts))
  io.write(string.format("failed responses:  %d  (non-200: %d, other GraphQL errors: %d, no data: %d)\n",
    failures, c.non200, c.other_errors, c.no_data))
  lib.write_socket_errors(summary)
  lib.write_sample(sample)
  lib.write_result(summary, latency, {
    { "placed", c.placed }, { "conflicts", c.conflicts }, { "errors", total_errors },
    { "non200", c.non200 }, { "other_errors", c.other_errors }, { "no_data", c.no_data },
    { "socket_errors", socket_errors },
  })
end
