-- wrk script for the storefront catalog benchmark.
--
--   wrk -t2 -c16 -d15s --latency -s bench/catalog.lua http://127.0.0.1:8000/graphql
--
-- POSTs the GraphQL query in catalog.graphql (next to this file; override the
-- path with CATALOG_QUERY_FILE) as {"query": ...} JSON, and checks EVERY
-- response: a request counts as failed if the status is not 200, the body
-- contains "errors", or the body has no "data". A load test that counts only
-- status codes would happily report a server that answers every request with
-- a GraphQL error as fast, so the counts are printed in done() together with
-- wrk's own socket errors, plus one machine-readable line for bench/catalog.sh:
--
--   BENCH_RESULT requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N
--     max_us=N errors=N non200=N gql_errors=N no_data=N socket_errors=N
--
-- (one line in the real output). `errors` = non200 + gql_errors + no_data +
-- socket_errors; a run is only valid when it is 0.

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/lib.lua")

local function read_query()
  local path = os.getenv("CATALOG_QUERY_FILE") or (lib.dir .. "/catalog.graphql")
  local f, err = io.open(path, "rb")
  if not f then
    error("catalog.lua: cannot open query file " .. path .. ": " .. tostring(err))
  end
  local q = f:read("*a")
  f:close()
  q = q:gsub("%s+$", "")
  if q == "" then
    error("catalog.lua: query file " .. path .. " is empty")
  end
  return q
end

local function json_string(s)
  local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                    ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Built once per thread; wrk sends it for every request without calling Lua.
wrk.method = "POST"
wrk.body = '{"query":' .. json_string(read_query()) .. '}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

-- Per-thread counters (each wrk thread runs its own Lua state).
checked = 0
non200 = 0
gql_errors = 0
no_data = 0
sample_failure = nil

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 then
    non200 = non200 + 1
  elseif lib.has_errors(body) then
    gql_errors = gql_errors + 1
  elseif not lib.has_data(body) then
    no_data = no_data + 1
  else
    return
  end
  lib.note_failure(status, body)
end

function done(summary, latency, requests)
  local c, sample = lib.collect(threads, { "checked", "non200", "gql_errors", "no_data" })
  local failed = c.non200 + c.gql_errors + c.no_data
  local socket_errors = lib.socket_errors(summary)
  local total_errors = failed + socket_errors

  io.write("------------------------------------------------------------\n")
  io.write(string.format("responses checked: %d\n", c.checked))
  io.write(string.format("failed responses:  %d  (non-200: %d, GraphQL \"errors\": %d, no data: %d)\n",
    failed, c.non200, c.gql_errors, c.no_data))
  lib.write_socket_errors(summary)
  io.write(string.format("TOTAL ERRORS:      %d\n", total_errors))
  lib.write_sample(sample)
  lib.write_result(summary, latency, {
    { "errors", total_errors }, { "non200", c.non200 }, { "gql_errors", c.gql_errors },
    { "no_data", c.no_data }, { "socket_errors", socket_errors },
  })
end
